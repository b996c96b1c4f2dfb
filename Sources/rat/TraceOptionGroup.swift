import ArgumentParser
import ReverseAttention

/// What one trace computes, besides its input: the traced layer, the path search, the weighting,
/// layers and the faithfulness check. `rat trace` runs them on its input; for `rat batch` they
/// are every line's defaults.
struct TraceOptionGroup: ParsableArguments {
    @OptionGroup var traced: TracedLayerOptionGroup

    @OptionGroup var search: SearchOptionGroup

    @Option(help: "Search attention (heads aggregated with --agg-heads) or value-norm: ‖Σ_h A_h[i][j]·v_j W_O^(h)‖, rows normalized (Kobayashi et al. 2020; no explorer).")
    var weighting: AttentionWeighting = .attention

    @Flag(name: .customLong("across-layers"),
          help: "Search paths through layers 0...--layer: node (l, p) is position p entering layer l, edges weigh 0.5·I + 0.5·A_l (attention rollout's mixing).")
    var acrossLayers = false

    @Flag(help: "Knock out each path's edges (−∞ before the softmax in every head), re-run the model and report the change in log-probability of its prediction at the target.")
    var verify = false

    @Option(name: .customLong("verify-baseline"), parsing: .unconditional, help: "With --verify: also K random edge sets per path (same count, same query positions), as mean and sd.")
    var verifyBaseline: Int = 0

    @Option(name: .customLong("verify-seed"), help: "Seed of the random edge sets.")
    var verifySeed: UInt64 = 0

    func validate() throws {
        guard verifyBaseline >= 0 else { throw ValidationError("--verify-baseline must be >= 0, got \(verifyBaseline)") }
        guard verify || (verifyBaseline == 0 && verifySeed == 0) else {
            throw ValidationError("--verify-baseline and --verify-seed go with --verify")
        }
    }

    /// The path options as a request's (trace.json's names).
    var paths: PathFields { search.paths.fields(traced) }

    /// A trace of `input` with these options.
    func request(_ input: TraceInput) throws -> TraceRequest {
        var r = TraceRequest(input: input)
        r.targetPos = search.targetPos
        r.paths = paths
        r.sink = try search.paths.sinkOptions()
        r.weighting = weighting
        r.acrossLayers = acrossLayers
        r.verify = verify ? VerifyOptions(baselineSets: verifyBaseline, seed: verifySeed) : nil
        return r
    }
}
