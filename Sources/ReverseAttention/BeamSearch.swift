/// Beam search backward from the target, step for step as the reference's
/// `beam_search_backward` does (SPEC section 2), so its paths and scores match exactly.
enum BeamSearch {
    static func run(graph: PredecessorGraph, target: Int, options: PathSearchOptions) -> [ScoredPath] {
        let norm = options.lengthNormalization
        let bos = options.stopAtBOS ? Set(options.bosPositions) : []
        var active = [ScoredPath(positions: [target], edgeAttentions: [], rawScore: 0, normalizedScore: 0)]
        var terminal: [ScoredPath] = []

        for _ in 0...target where !active.isEmpty {
            var extended: [ScoredPath] = []
            var extendedTerminal: [ScoredPath] = []
            for beam in active {
                let current = beam.positions[beam.positions.count - 1]
                let candidates = current == 0 ? [] : graph.predecessors[current]
                if candidates.isEmpty {
                    // At position 0, or nothing to follow: the beam ends as it is.
                    terminal.append(beam)
                    continue
                }
                for edge in candidates {
                    var next = beam
                    next.positions.append(edge.position)
                    next.edgeAttentions.append(edge.attention)
                    next.rawScore = beam.rawScore + edge.logAttention
                    next.normalizedScore = norm.normalize(next.rawScore, edges: next.edgeAttentions.count)
                    if edge.position == 0 || bos.contains(edge.position) {
                        extendedTerminal.append(next)
                    } else {
                        extended.append(next)
                    }
                }
            }
            terminal += extendedTerminal
            active = extended.count <= options.topBeam
                ? extended : Array(extended.sortedByScoreStable().prefix(options.topBeam))
        }
        return Array(terminal.sortedByScoreStable().prefix(options.topBeam))
    }
}
