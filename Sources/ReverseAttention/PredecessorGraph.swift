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
        var predecessors: [[Edge]] = []
        predecessors.reserveCapacity(target + 1)
        var best: [(position: Int, value: Float)] = []
        best.reserveCapacity(topK + 1)
        matrix.values.withUnsafeBufferPointer { a in
            for p in 0...target {
                best.removeAll(keepingCapacity: true)
                let row = p * matrix.size
                for q in 0..<p {
                    var v = a[row + q]
                    if let mask, !mask[q] { v = 0 }
                    if v < threshold { v = 0 }
                    guard v > 0 else { continue }
                    // Keep the k largest in descending order; an equal value never displaces an
                    // earlier (lower) position.
                    if best.count == topK {
                        if v <= best[topK - 1].value { continue }
                        best.removeLast()
                    }
                    var i = best.count
                    while i > 0 && best[i - 1].value < v { i -= 1 }
                    best.insert((q, v), at: i)
                }
                predecessors.append(best.map { candidate in
                    let a = Double(candidate.value)
                    return Edge(position: candidate.position, attention: a, logAttention: safeLog(a))
                })
            }
        }
        self.predecessors = predecessors
    }
}

/// The reference's `safe_log`: log with values below 1e-12 clipped.
@inlinable
func safeLog(_ x: Double) -> Double { log(max(x, 1e-12)) }
