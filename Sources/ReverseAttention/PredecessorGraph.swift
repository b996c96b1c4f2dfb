import Foundation

/// The candidate graph both searches walk: for each position `p`, its `top_k` predecessors,
/// i.e. the largest entries of `A[p][0..<p]` after the mask and the `min_attn` threshold,
/// in descending order (ties: lower position first). Edges always point to earlier positions,
/// so the graph is a DAG.
struct PredecessorGraph {
    struct Edge {
        let position: Int
        /// The attention value as float32, widened exactly (the reference's `float(val)`).
        let attention: Double
        /// `log(max(attention, 1e-12))`, the edge's contribution to a path's raw score.
        let logAttention: Double
    }

    /// Predecessors of positions `0...target`; index = position.
    let predecessors: [[Edge]]

    init(matrix: AttentionMatrix, upTo target: Int, topK: Int, minAttention: Double, mask: [Bool]?) {
        // torch compares the float32 row with the Python float threshold in float32.
        let threshold = Float(minAttention)
        let keep: [UInt8] = mask.map { $0.map { $0 ? 1 : 0 } } ?? []
        // A row has at most `target` predecessors, whatever top_k asks for.
        let width = max(1, min(topK, target))
        var positions = [Int32](repeating: 0, count: width), weights = [Float](repeating: 0, count: width)
        var predecessors: [[Edge]] = []
        predecessors.reserveCapacity(target + 1)
        matrix.values.withUnsafeBufferPointer { a in
            keep.withUnsafeBufferPointer { keep in
                positions.withUnsafeMutableBufferPointer { positions in
                    weights.withUnsafeMutableBufferPointer { weights in
                        for p in 0...target {
                            // The ranking the explorer's rows keep (`AttentionCandidates.select`).
                            let count = AttentionCandidates.select(
                                a.baseAddress! + p * matrix.size, keys: 0..<p, keep: keep.isEmpty ? nil : keep.baseAddress, cap: width,
                                threshold: threshold, positions: positions.baseAddress!, weights: weights.baseAddress!)
                            predecessors.append((0..<count).map { i in
                                let attention = Double(weights[i])
                                return Edge(position: Int(positions[i]), attention: attention, logAttention: safeLog(attention))
                            })
                        }
                    }
                }
            }
        }
        self.predecessors = predecessors
    }
}

extension PredecessorGraph {
    /// The same graph from a pass's candidates (each row's strongest predecessors, best first)
    /// instead of the whole matrix, in memory linear in the text: equal to
    /// `init(matrix: matrix.applyingSinks(sink), …)` when each row holds at least `topK` entries
    /// besides the sink positions, which `searchPaths(in:layer:aggregation:options:mode:)` checks.
    init(candidates: AttentionCandidates, layerIndex: Int, aggregationIndex: Int, upTo target: Int, topK: Int,
         minAttention: Double, sink: SinkOptions?) {
        let threshold = Float(minAttention)
        let width = max(1, min(topK, target))
        predecessors = (0...target).map { p in
            let row = candidates.candidates(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: p, sinks: sink)
            return row.lazy.filter { $0.weight > 0 && $0.weight >= threshold }.prefix(width).map { entry in
                let attention = Double(entry.weight)
                return Edge(position: entry.position, attention: attention, logAttention: safeLog(attention))
            }
        }
    }
}

/// The reference's `safe_log`: log with values below 1e-12 clipped.
@inlinable
func safeLog(_ x: Double) -> Double { log(max(x, 1e-12)) }
