import Foundation

/// Path search over a `LayeredGraph`: every path runs from (L + 1, target) down to layer 0, so
/// all have L + 1 edges and the length normalization ranks them as their raw scores do.
enum LayeredPathSearch {
    /// Beam search, as the reference's within a layer: at each layer every active path extends
    /// by each edge of its last node; the `topBeam` best (stable on ties) go on. Paths that meet
    /// a node without edges (only with a high `min_attn`) end there and are not returned.
    static func beam(_ graph: LayeredGraph, topBeam: Int, normalization: LengthNormalization) -> [ScoredPath] {
        let start = ScoredPath(positions: [graph.target], edgeAttentions: [], rawScore: 0, normalizedScore: 0)
        var active = [start]
        for layer in stride(from: graph.tracedLayer, through: 0, by: -1) {
            var extended: [ScoredPath] = []
            for path in active {
                for edge in graph.edges[layer][path.positions[path.positions.count - 1]] {
                    var next = path
                    next.positions.append(edge.position)
                    next.edgeAttentions.append(edge.weight)
                    next.rawScore = path.rawScore + edge.logWeight
                    next.normalizedScore = normalization.normalize(next.rawScore, edges: next.edgeAttentions.count)
                    extended.append(next)
                }
            }
            active = extended.count <= topBeam ? extended : Array(extended.sortedByScoreStable().prefix(topBeam))
        }
        return active.sortedByScoreStable().map { $0.throughLayers(from: graph.tracedLayer + 1) }
    }

    /// Exact search by dynamic programming over the layers: each node keeps the `topBeam` best
    /// raw sums reaching it from the start (a best path's prefix is among the best prefixes of
    /// its node, as all prefixes into one layer have the same length), with back-pointers.
    /// O(layers · positions · top_k · top_beam) time, O(layers · positions · top_beam) memory.
    static func exact(_ graph: LayeredGraph, topBeam k: Int, normalization: LengthNormalization) -> [ScoredPath] {
        let nodes = graph.target + 1, levels = graph.tracedLayer + 1
        // scores[node * k + rank] for the current level; back[level][node * k + rank] = where it came from.
        var scores = [Double](repeating: -.infinity, count: nodes * k), counts = [Int](repeating: 0, count: nodes)
        scores[graph.target * k] = 0
        counts[graph.target] = 1
        var back = [[Int32]](repeating: [], count: levels)
        for layer in stride(from: graph.tracedLayer, through: 0, by: -1) {
            var nextScores = [Double](repeating: -.infinity, count: nodes * k), nextCounts = [Int](repeating: 0, count: nodes)
            var from = [Int32](repeating: -1, count: nodes * k)
            for v in 0..<nodes where counts[v] > 0 {
                for edge in graph.edges[layer][v] {
                    let u = edge.position
                    for r in 0..<counts[v] {
                        let s = scores[v * k + r] + edge.logWeight
                        // Insert into u's best-k list; an equal score never displaces an earlier entry.
                        var i = nextCounts[u]
                        if i == k {
                            if s <= nextScores[u * k + k - 1] { break }  // later ranks of v are no better
                            i = k - 1
                        } else {
                            nextCounts[u] += 1
                        }
                        while i > 0 && nextScores[u * k + i - 1] < s {
                            nextScores[u * k + i] = nextScores[u * k + i - 1]
                            from[u * k + i] = from[u * k + i - 1]
                            i -= 1
                        }
                        nextScores[u * k + i] = s
                        from[u * k + i] = Int32(v * k + r)
                    }
                }
            }
            back[layer] = from
            scores = nextScores
            counts = nextCounts
        }
        // The k best complete paths: best score first, ties by position, then rank.
        var ends: [(score: Double, entry: Int)] = []
        for u in 0..<nodes {
            for r in 0..<counts[u] { ends.append((scores[u * k + r], u * k + r)) }
        }
        ends.sort { $0.score != $1.score ? $0.score > $1.score : $0.entry < $1.entry }
        return ends.prefix(k).map { end in
            var positions = [end.entry / k], entry = end.entry
            for layer in 0..<levels {
                entry = Int(back[layer][entry])
                positions.append(entry / k)
            }
            positions.reverse()
            var path = ScoredPath(positions: positions, edgeAttentions: [], rawScore: 0, normalizedScore: 0)
            for (i, layer) in stride(from: graph.tracedLayer, through: 0, by: -1).enumerated() {
                let edge = graph.edges[layer][positions[i]].first { $0.position == positions[i + 1] }!
                path.edgeAttentions.append(edge.weight)
                path.rawScore += edge.logWeight
            }
            precondition(path.rawScore == end.score, "layered exact search: path reconstruction is inconsistent")
            path.normalizedScore = normalization.normalize(path.rawScore, edges: levels)
            return path.throughLayers(from: graph.tracedLayer + 1)
        }
    }
}

extension ScoredPath {
    /// The path with its layers, `[top, top - 1, …]`, one per position.
    func throughLayers(from top: Int) -> ScoredPath {
        var path = self
        path.layers = positions.indices.map { top - $0 }
        return path
    }
}

/// Finds the paths through the layers of `graph` (see `LayeredGraph`); `sinkMass` is reported
/// as given (the traced layer's target row, before sinks were dropped).
public func searchLayeredPaths(
    in graph: LayeredGraph, topBeam: Int, normalization: LengthNormalization, mode: SearchMode, sinkMass: Double? = nil
) -> PathSearchResult {
    let beam = LayeredPathSearch.beam(graph, topBeam: topBeam, normalization: normalization)
    var warnings: [String] = []
    var result: PathSearchResult
    switch mode {
    case .beam:
        if beam.isEmpty { warnings.append("no path reaches layer 0: every path met a node with no edge at or above min_attn") }
        result = PathSearchResult(paths: beam, target: graph.target, mode: mode, comparison: nil, warnings: warnings)
    case .exact:
        let exact = LayeredPathSearch.exact(graph, topBeam: topBeam, normalization: normalization)
        if exact.isEmpty { warnings.append("no path reaches layer 0: every path met a node with no edge at or above min_attn") }
        result = PathSearchResult(
            paths: exact, target: graph.target, mode: mode, comparison: SearchComparison(beam: beam, exact: exact), warnings: warnings)
    }
    result.sinkMass = sinkMass
    return result
}
