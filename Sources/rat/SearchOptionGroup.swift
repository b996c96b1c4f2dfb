import ArgumentParser
import ReverseAttention

/// Which layer of a model is traced, how its heads combine, and where paths stop: `rat trace`
/// and `rat generate` (`rat paths` reads a matrix, `rat attention` exports any layer).
struct TracedLayerOptionGroup: ParsableArguments {
    @Option(parsing: .unconditional, help: "Layer whose attention is traced; negative counts from the end.")
    var layer: Int = -1

    @Option(name: .customLong("agg-heads"), help: "Combine the heads with mean or max.")
    var aggHeads: HeadAggregation = .mean

    @Option(name: .customLong("bos-token-id"), help: "Token id where paths stop (default: the tokenizer's BOS).")
    var bosTokenID: Int?
}

/// The path-search options every tracing command shares, with the reference's defaults.
struct PathOptionGroup: ParsableArguments {
    @Option(name: .customLong("top-beam"), parsing: .unconditional, help: "Number of paths to keep and return (beam width).")
    var topBeam: Int = 5

    @Option(name: .customLong("top-k"), parsing: .unconditional, help: "Number of predecessors considered at each step.")
    var topK: Int = 5

    @Option(name: .customLong("min-attn"), parsing: .unconditional, help: "Never follow attention below this value.")
    var minAttn: Double = 0

    @Option(name: .customLong("length-norm"),
            help: "Path score normalization: none, avg_logprob, sqrt or pow:ALPHA (e.g. pow:0.7).")
    var lengthNorm: String = "avg_logprob"

    @Flag(name: .customLong("no-stop-at-bos"), help: "Do not end paths at BOS tokens; run to position 0.")
    var noStopAtBOS = false

    @Option(name: .customLong("search"),
            help: "beam: the reference's beam search; exact: the provably best paths, with a report on beam search.")
    var search: SearchMode = .beam

    @Option(help: "Attention sinks: keep them, drop their columns, or drop them and renormalize each row (trace.json then reports sink_mass).")
    var sink: SinkHandling?

    @Option(name: .customLong("sink-positions"), help: "Comma-separated sink positions (default: 0, the first token).")
    var sinkPositions: String?

    /// `--sink` with its positions; nil when neither was given.
    func sinkOptions() throws -> SinkOptions? {
        guard sink != nil || sinkPositions != nil else { return nil }
        var positions = [0]
        if let sinkPositions {
            positions = try parseIntegerList(sinkPositions) { _ in
                TraceError("--sink-positions takes comma-separated positions, e.g. 0,1; got '\(sinkPositions)'")
            }
        }
        return SinkOptions(sink ?? .keep, positions: positions)
    }

    /// These options and the traced layer's, as a request's (trace.json's names).
    func fields(_ traced: TracedLayerOptionGroup) -> PathFields {
        var p = PathFields()
        p.layer = traced.layer
        p.aggHeads = traced.aggHeads
        p.bosTokenID = traced.bosTokenID
        p.topBeam = topBeam
        p.topK = topK
        p.minAttn = minAttn
        p.lengthNorm = lengthNorm
        p.stopAtBOS = !noStopAtBOS
        p.search = search
        return p
    }

    func validate() throws {
        guard topBeam >= 1 else { throw ValidationError("--top-beam must be >= 1, got \(topBeam)") }
        guard topK >= 1 else { throw ValidationError("--top-k must be >= 1, got \(topK)") }
        guard minAttn.isFinite else { throw ValidationError("--min-attn must be a finite number") }
        _ = try LengthNormalization(parsing: lengthNorm)
    }
}

/// The path options and the position to trace back from (`rat trace`, `rat paths`).
struct SearchOptionGroup: ParsableArguments {
    @Option(name: .customLong("target-pos"), parsing: .unconditional,
            help: "Position to trace back from; negative counts from the end (-1 = last token).")
    var targetPos: Int = -1

    @OptionGroup var paths: PathOptionGroup

    var topBeam: Int { paths.topBeam }
    var topK: Int { paths.topK }
    var minAttn: Double { paths.minAttn }
    var lengthNorm: String { paths.lengthNorm }
    var noStopAtBOS: Bool { paths.noStopAtBOS }
    var search: SearchMode { paths.search }

    func options(bosPositions: [Int], mask: [Bool]?) throws -> PathSearchOptions {
        PathSearchOptions(
            targetPosition: targetPos, topBeam: topBeam, topK: topK, minAttention: minAttn,
            lengthNormalization: try LengthNormalization(parsing: lengthNorm), stopAtBOS: !noStopAtBOS,
            bosPositions: bosPositions, mask: mask, sink: try paths.sinkOptions())
    }
}

extension SearchMode: ExpressibleByArgument {}
extension SinkHandling: ExpressibleByArgument {}
extension AttentionWeighting: ExpressibleByArgument {}
extension HeadAggregation: ExpressibleByArgument {}
