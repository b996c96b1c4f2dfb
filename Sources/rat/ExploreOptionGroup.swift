import ArgumentParser
import ReverseAttention

/// How much of the attention the page keeps for exploring (`rat trace`, `rat paths`).
struct ExploreOptionGroup: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Layers the page can explore: all, none, auto (every layer up to \(ExploreLayers.automaticLimit) tokens, the traced layer alone above), or layers such as 0,5,10-12,-1.",
            valueName: "all|none|auto|LAYERS"),
        transform: { try ExploreLayers(parsing: $0) })
    var explore: ExploreLayers = .automatic

    @Option(name: .customLong("explore-cap"), help: "Predecessors kept per position and layer for the page (top_k up to this can be explored; at least --top-k is kept).")
    var exploreCap: Int = ExplorerData.defaultCap

    func validate() throws {
        guard (1...AttentionCandidates.maximumCap).contains(exploreCap) else {
            throw ValidationError("--explore-cap must be 1...\(AttentionCandidates.maximumCap), got \(exploreCap)")
        }
    }
}

