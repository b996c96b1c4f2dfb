/// Beam search backward from the target, step for step as the reference's
/// `beam_search_backward` does (SPEC section 2), so its paths and scores match exactly.
///
/// A beam is a node that points to the beam it extends, so a step costs the same however long
/// the paths have grown, and finished paths are pruned to the best `top_beam` as they come (the
/// reference keeps them all and sorts once; the best `top_beam` are the same). Within one layer
/// of a long text a path can walk back through thousands of positions.
enum BeamSearch {
    /// One beam: the last position of its path, and the beam it extends.
    private struct Node {
        let position: Int
        /// The attention of the edge into `position`; the target's node has none.
        let attention: Double
        /// Index in `nodes` of the beam this one extends; -1 for the target.
        let parent: Int
        let edges: Int
        let rawScore: Double
        let normalizedScore: Double
    }

    /// Ranks by normalized score, ties by `order` (the reference's stable sort over the order
    /// in which paths were made).
    private struct Ranked {
        let node: Int
        let score: Double
        let order: Int
    }

    static func run(graph: PredecessorGraph, target: Int, options: PathSearchOptions) -> [ScoredPath] {
        let norm = options.lengthNormalization
        let bos = options.stopAtBOS ? Set(options.bosPositions) : []
        var nodes = [Node(position: target, attention: 0, parent: -1, edges: 0, rawScore: 0, normalizedScore: 0)]
        var active = [0]
        var terminal: [Ranked] = []
        var made = 0
        func finish(_ node: Int) {
            terminal.append(Ranked(node: node, score: nodes[node].normalizedScore, order: made))
            made += 1
        }

        for _ in 0...target where !active.isEmpty {
            var extended: [Ranked] = []
            var extendedTerminal: [Int] = []
            for beam in active {
                let current = nodes[beam].position
                let candidates = current == 0 ? [] : graph.predecessors[current]
                if candidates.isEmpty {
                    // At position 0, or nothing to follow: the beam ends as it is.
                    finish(beam)
                    continue
                }
                for edge in candidates {
                    let rawScore = nodes[beam].rawScore + edge.logAttention, edges = nodes[beam].edges + 1
                    let score = norm.normalize(rawScore, edges: edges)
                    nodes.append(Node(position: edge.position, attention: edge.attention, parent: beam, edges: edges,
                                      rawScore: rawScore, normalizedScore: score))
                    if edge.position == 0 || bos.contains(edge.position) {
                        extendedTerminal.append(nodes.count - 1)
                    } else {
                        extended.append(Ranked(node: nodes.count - 1, score: score, order: extended.count))
                    }
                }
            }
            extendedTerminal.forEach(finish)
            if terminal.count > 4 * options.topBeam { terminal = Array(ranked(terminal).prefix(options.topBeam)) }
            active = (extended.count <= options.topBeam ? extended : Array(ranked(extended).prefix(options.topBeam))).map(\.node)
        }
        return ranked(terminal).prefix(options.topBeam).map { path(to: $0.node, in: nodes) }
    }

    private static func ranked(_ paths: [Ranked]) -> [Ranked] {
        paths.sorted { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }
    }

    /// The path that ends at `node`, target first.
    private static func path(to node: Int, in nodes: [Node]) -> ScoredPath {
        var positions: [Int] = [], attentions: [Double] = []
        var at = node
        while at >= 0 {
            positions.append(nodes[at].position)
            if nodes[at].parent >= 0 { attentions.append(nodes[at].attention) }
            at = nodes[at].parent
        }
        return ScoredPath(positions: positions.reversed(), edgeAttentions: attentions.reversed(),
                          rawScore: nodes[node].rawScore, normalizedScore: nodes[node].normalizedScore)
    }
}
