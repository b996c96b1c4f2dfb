import Foundation
import ModelRuntime

/// The graph paths through the layers walk (`--across-layers`): node (l, p) is position p's
/// residual stream entering layer l (l = L + 1: the traced layer's output), and the edge
/// (l + 1, i) → (l, j), j ≤ i, weighs Â_l[i][j] = 0.5·[i = j] + 0.5·A_l[i][j], the rollout's
/// mixing of the residual connection with the heads' attention (Abnar & Zuidema 2020). Each
/// node keeps its `top_k` heaviest edges at or above `min_attn` (ties: lower position first).
///
/// Built from a pass's candidates (each row's strongest predecessors and its diagonal), not
/// from whole matrices, so it takes memory linear in the text. Since Â_l[i][i] ≥ 0.5 ≥ Â_l[i][j]
/// for j < i, a node's `top_k` edges are its self edge and at most `top_k` of its row's
/// candidates, whatever the sinks do.
public struct LayeredGraph: Sendable {
    /// An edge from node (l + 1, i) down to node (l, `position`), with its weight.
    public struct Edge: Sendable, Equatable {
        /// The position j ≤ i of the node the edge leads to; j = i is the self (residual) edge.
        public let position: Int
        /// Â_l[i][j] in double precision.
        public let weight: Double
        /// `log(max(weight, 1e-12))`, the edge's part of a path's raw score.
        public let logWeight: Double
    }

    /// The traced layer L: paths start at (L + 1, target).
    public let tracedLayer: Int
    /// The position the paths start from.
    public let target: Int
    /// `edges[l][p]`: the edges of node (l + 1, p) into layer l, best first; l in `0...L`,
    /// p in `0...target`.
    public let edges: [[[Edge]]]

    /// From candidates holding layers `0...tracedLayer` (rows `0...target`, at least `topK`
    /// entries per row plus one per sink position), aggregated as `aggregation`.
    public init(
        candidates: AttentionCandidates, aggregation: HeadAggregation?, tracedLayer: Int, target: Int, topK: Int,
        minAttention: Double, sink: SinkOptions?
    ) throws(TraceError) {
        guard let a = candidates.aggregations.firstIndex(of: aggregation) else {
            throw TraceError("no \(aggregation.map { "\($0)" } ?? "given") attention to trace through the layers")
        }
        guard candidates.firstRow == 0, candidates.rows > target else {
            throw TraceError("paths through the layers need every row up to the target \(target)")
        }
        // Sinks kept as they are change no weight, so the graph needs no sums for them.
        try candidates.requireSinkSums(for: sink.flatMap { $0.handling == .keep ? nil : $0 }, upTo: target)
        self.tracedLayer = tracedLayer
        self.target = target
        var edges: [[[Edge]]] = []
        for layer in 0...tracedLayer {
            guard let l = candidates.layers.firstIndex(of: layer) else {
                throw TraceError("paths through the layers need layer \(layer)'s attention, which the pass did not keep")
            }
            edges.append((0...target).map { p in
                var row: [Edge] = []
                row.reserveCapacity(topK + 1)
                for (q, w) in candidates.candidates(layerIndex: l, aggregationIndex: a, position: p, sinks: sink) {
                    row.append(Self.edge(q, 0.5 * Double(w)))
                    if row.count == topK { break }
                }
                // The self edge goes after the entries it ties with (they are lower positions).
                let selfWeight = 0.5 + 0.5 * Double(candidates.diagonal(layerIndex: l, aggregationIndex: a, position: p, sinks: sink))
                let at = row.firstIndex { $0.weight < selfWeight } ?? row.count
                row.insert(Self.edge(p, selfWeight), at: at)
                return Array(row.prefix { $0.weight > 0 && $0.weight >= minAttention }.prefix(topK))
            })
        }
        self.edges = edges
    }

    private static func edge(_ position: Int, _ weight: Double) -> Edge {
        Edge(position: position, weight: weight, logWeight: log(max(weight, 1e-12)))
    }
}
