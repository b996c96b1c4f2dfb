/// A path found by search: from the target back to where it ended.
public struct ScoredPath: Sendable, Equatable {
    /// `[target, predecessor, predecessor's predecessor, ...]`: strictly decreasing within one
    /// layer; through the layers a position repeats while the path stays at it.
    public var positions: [Int]
    /// `edgeAttentions[i]` is the attention from `positions[i]` to `positions[i + 1]`.
    public var edgeAttentions: [Double]
    /// Sum of `log(max(a, 1e-12))` over the edges, in path order.
    public var rawScore: Double
    /// `rawScore` normalized by the number of edges.
    public var normalizedScore: Double
    /// Paths through the layers (`--across-layers`): each position's layer, `[L + 1, L, …, 0]`;
    /// nil within one layer.
    public var layers: [Int]?

    /// A path from its parts, stored as given (nothing is checked).
    public init(positions: [Int], edgeAttentions: [Double], rawScore: Double, normalizedScore: Double, layers: [Int]? = nil) {
        self.layers = layers
        self.positions = positions
        self.edgeAttentions = edgeAttentions
        self.rawScore = rawScore
        self.normalizedScore = normalizedScore
    }
}

extension Array where Element == ScoredPath {
    /// Stable sort by normalized score, best first (Python's `sort(reverse=True)` keeps the
    /// original order among equal scores; so does this).
    func sortedByScoreStable() -> [ScoredPath] {
        enumerated()
            .sorted { a, b in
                a.element.normalizedScore != b.element.normalizedScore
                    ? a.element.normalizedScore > b.element.normalizedScore
                    : a.offset < b.offset
            }
            .map(\.element)
    }
}
