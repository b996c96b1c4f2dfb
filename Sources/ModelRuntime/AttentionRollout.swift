import Foundation

extension CausalLanguageModel {
    /// Attention rollout (Abnar & Zuidema 2020): with Â_l = 0.5·I + 0.5·mean_h(A_l), the flow
    /// from every position's input embedding to the residual stream after layer `L`,
    /// R_L = Â_L · Â_(L−1) ⋯ Â_0, `[seq][seq]` row-major, rows summing to 1. One pass through
    /// layer `L` keeps each layer's mean attention; the products run in float32 through BLAS.
    /// Returns R_l for every layer in `layers` (resolved, ascending), from one pass.
    public func attentionRollout(ids: [Int], layers wanted: [Int]) throws(ModelError) -> [(layer: Int, values: [Float])] {
        let resolved = try Set(wanted.map(resolveLayer)).sorted()
        guard let last = resolved.last else { return [] }
        var captures: [Int: HeadAggregation] = [:]
        for l in 0...last { captures[l] = .mean }
        let attention = try run(ids, plan: PassPlan(throughLayer: last, captures: captures)).attention
        let n = ids.count
        var rollout = [Float](repeating: 0, count: n * n), mixed = rollout, product = rollout
        var out: [(Int, [Float])] = []
        for (l, capture) in attention.enumerated() {
            // Â_l = 0.5·I + 0.5·A_l
            for i in 0..<(n * n) { mixed[i] = 0.5 * capture.values[i] }
            for i in 0..<n { mixed[i * n + i] += 0.5 }
            if l == 0 {
                rollout = mixed
            } else {
                mixed.withUnsafeBufferPointer { a in
                    rollout.withUnsafeBufferPointer { r in
                        product.withUnsafeMutableBufferPointer { p in
                            BLAS.matmul(a.baseAddress!, r.baseAddress!, p.baseAddress!, m: n, n: n, k: n)
                        }
                    }
                }
                swap(&rollout, &product)
            }
            if resolved.contains(l) { out.append((l, rollout)) }
        }
        return out
    }
}
