import Foundation

/// Which layers the page can explore (`--explore`): for each, every row's strongest
/// predecessors under mean and max, so the page re-runs the search for any target, layer and
/// setting without the model.
public enum ExploreLayers: Sendable, Equatable, CustomStringConvertible {
    /// No explorer: the page shows the trace as computed.
    case none
    /// Every layer of the model.
    case all
    /// These layers (negative counts from the end); the traced layer is always added.
    case layers([Int])
    /// Every layer up to `automaticLimit` tokens, the traced layer alone above (with a note).
    case automatic

    /// `automatic` keeps every layer up to this many tokens.
    public static let automaticLimit = 2048

    /// Parses `all`, `none`, `auto`, or comma-separated layers and ranges: `0,5,10-12,-1`.
    public init(parsing text: String) throws(TraceError) {
        switch text {
        case "all": self = .all
        case "none": self = .none
        case "auto": self = .automatic
        default:
            var layers: [Int] = []
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                let item = part.trimmingCharacters(in: .whitespaces)
                if let layer = Int(item) {
                    layers.append(layer)
                } else if let dash = item.dropFirst().firstIndex(of: "-"),
                          let lo = Int(item[..<dash]), let hi = Int(item[item.index(after: dash)...]), lo >= 0, lo <= hi {
                    layers += Array(lo...hi)
                } else {
                    throw TraceError("--explore takes all, none, auto, or layers such as 0,5,10-12,-1; got '\(text)'")
                }
            }
            self = .layers(layers)
        }
    }

    /// The setting as `--explore` spells it (`none`, `all`, `auto`, or a comma-separated list of layers).
    public var description: String {
        switch self {
        case .none: "none"
        case .all: "all"
        case .automatic: "auto"
        case .layers(let layers): layers.map(String.init).joined(separator: ",")
        }
    }

    /// The resolved layers for a model of `layerCount` layers tracing `traced` over `tokens`
    /// tokens, and a note for the page when `automatic` left layers out. Empty = no explorer.
    func resolve(
        traced: Int, layerCount: Int, tokens: Int, resolveLayer: (Int) throws(ModelError) -> Int
    ) throws(TraceError) -> (layers: [Int], note: String?) {
        switch self {
        case .none:
            return ([], nil)
        case .all:
            return (Array(0..<layerCount), nil)
        case .automatic:
            if tokens <= Self.automaticLimit { return (Array(0..<layerCount), nil) }
            return ([traced], "The text has \(tokens) tokens, more than \(Self.automaticLimit): this page explores layer \(traced) only (rat trace --explore all keeps every layer).")
        case .layers(let layers):
            var resolved: Set<Int> = [traced]
            for layer in layers {
                do { resolved.insert(try resolveLayer(layer)) } catch { throw TraceError("--explore: \(error.message)") }
            }
            return (resolved.sorted(), nil)
        }
    }
}

/// What the page needs to re-run path search for any target, layer and setting: each explored
/// layer's candidates, and where the BOS tokens are.
public struct ExplorerData: Sendable, Equatable {
    /// Every row's strongest predecessors in each explored layer, with its sums over the sink
    /// positions (for the page's sink setting).
    public var candidates: AttentionCandidates
    /// Every position holding the BOS token (paths stop there when stop_at_bos is on).
    public var bosPositions: [Int]
    /// Every position's token id (-1 where unknown), shown with the paths.
    public var tokenIDs: [Int]
    /// Shown on the page (e.g. why only the traced layer is there).
    public var note: String?

    /// Explorer data from candidates a pass kept.
    public init(candidates: AttentionCandidates, bosPositions: [Int], tokenIDs: [Int], note: String? = nil) {
        self.candidates = candidates
        self.bosPositions = bosPositions
        self.tokenIDs = tokenIDs
        self.note = note
    }

    /// The default number of candidates kept per row; `top_k` up to it can be explored.
    public static let defaultCap = 10

    /// The capture for `cap` explorable candidates with the sink toggle over `sinks` (default:
    /// position 0, within `tokens`): one more entry per sink, so that `cap` remain once they drop.
    static func plan(layers: [Int], cap: Int, sinks: [Int]?, tokens: Int) -> CandidatePlan {
        let positions = Array(Set((sinks ?? [0]).filter { $0 >= 0 && $0 < tokens })).sorted()
        let visible = min(cap, AttentionCandidates.maximumCap - positions.count)
        return CandidatePlan(layers: layers, cap: visible + positions.count, sinkPositions: positions)
    }

    /// From whole matrices (`rat paths`): `matrices[layer index][aggregation index]`, rows
    /// `0..<size`, padding excluded by `mask`.
    public init(
        matrices: [[AttentionMatrix]], layers: [Int], aggregations: [HeadAggregation?], cap: Int, mask: [Bool]?,
        bosPositions: [Int], tokenIDs: [Int]?, sinks: [Int]? = nil
    ) {
        let size = matrices.first?.first?.size ?? 0
        let plan = Self.plan(layers: layers, cap: cap, sinks: sinks, tokens: size)
        var candidates = AttentionCandidates(layers: layers, aggregations: aggregations, cap: plan.cap, rows: size, sinkPositions: plan.sinkPositions)
        let keep: [UInt8] = mask.map { $0.map { $0 ? 1 : 0 } } ?? []
        keep.withUnsafeBufferPointer { keep in
            let keepPointer = keep.isEmpty ? nil : keep.baseAddress
            for (l, perAggregation) in matrices.enumerated() {
                for (a, matrix) in perAggregation.enumerated() {
                    matrix.values.withUnsafeBufferPointer { values in
                        for p in 0..<size {
                            candidates.fill(layerIndex: l, aggregationIndex: a, position: p, attention: values.baseAddress! + p * size,
                                            keep: keepPointer)
                        }
                    }
                }
            }
        }
        self.init(candidates: candidates, bosPositions: bosPositions, tokenIDs: tokenIDs ?? Array(repeating: -1, count: size))
    }
}

/// What the paths are searched over (`--weighting`).
public enum AttentionWeighting: String, Sendable, CaseIterable, Codable {
    /// The attention probabilities, heads aggregated with `--agg-heads`.
    case attention
    /// Value-weighted attention (Kobayashi et al. 2020): ‖Σ_h A_h[i][j] · v_j W_O^(h)‖₂, rows
    /// normalized to 1; the heads are summed inside the norm, so `--agg-heads` does not apply.
    case valueNorm = "value-norm"
}
