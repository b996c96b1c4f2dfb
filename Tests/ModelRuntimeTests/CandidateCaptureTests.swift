import Foundation
import ModelRuntime
import Testing

/// The explorer's capture (each row's strongest predecessors, every layer, mean and max, in the
/// same pass) against whole matrices of the same pass, selected here independently: sort a row's
/// unmasked positive entries by weight, ties to the lower position, keep `cap`.
@Suite struct CandidateCaptureTests {
    static func expectedRow(_ capture: AttentionCapture, position p: Int, cap: Int, keep: [Bool]?) -> [(Int, Float)] {
        let n = capture.size
        var entries: [(Int, Float)] = []
        for q in 0..<p where capture.values[p * n + q] > 0 && keep?[q] != false {
            entries.append((q, capture.values[p * n + q]))
        }
        entries.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Array(entries.prefix(cap))
    }

    func check(_ model: CausalLanguageModel, ids: [Int], cap: Int, mask: [Bool]? = nil, layers: [Int]? = nil) throws {
        let explored = layers ?? Array(0..<model.config.layerCount)
        let pass = try model.run(ids, plan: PassPlan(candidates: CandidatePlan(layers: explored, cap: cap)), attentionMask: mask)
        let candidates = try #require(pass.candidates)
        #expect(candidates.layers == (try explored.map(model.resolveLayer)).sorted())
        #expect(candidates.cap == cap && candidates.rows == ids.count)
        #expect(candidates.aggregations == [.mean, .max])
        var nonEmpty = 0
        for (a, aggregation) in [HeadAggregation.mean, .max].enumerated() {
            var captures: [Int: HeadAggregation] = [:]
            for l in explored { captures[l] = aggregation }
            let whole = try model.run(ids, plan: PassPlan(captures: captures), attentionMask: mask).attention
            for (l, capture) in whole.enumerated() {
                for p in 0..<ids.count {
                    let got = candidates.candidates(layerIndex: l, aggregationIndex: a, position: p)
                    let want = Self.expectedRow(capture, position: p, cap: cap, keep: mask)
                    #expect(got.map(\.position) == want.map(\.0), "layer \(capture.layer) \(aggregation) row \(p)")
                    #expect(got.map(\.weight) == want.map(\.1), "layer \(capture.layer) \(aggregation) row \(p)")
                    if !got.isEmpty { nonEmpty += 1 }
                }
            }
        }
        #expect(nonEmpty > 0)
    }

    @Test(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF")) func smolLM2EveryLayer() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = (0..<70).map { ($0 * 7919 + 13) % 49152 }
        try check(model, ids: ids, cap: 10)
        // A cap above the row length keeps every positive entry; padding is never a candidate.
        var mask = [Bool](repeating: true, count: 40)
        for p in [3, 4, 17] { mask[p] = false }
        try check(model, ids: Array(ids.prefix(40)), cap: 60, mask: mask, layers: [0, 7, -1])
    }

    /// Gemma 3's sliding-window layers (512 keys): rows past the window see only their window.
    @Test(.enabled(if: gemma3Available, "needs the Gemma 3 GGUF")) func gemma3SlidingWindows() throws {
        let model = try CausalLanguageModel(path: gemma3Path)
        let ids = [2] + (0..<540).map { ($0 * 104_729 + 7) % 262_000 }
        try check(model, ids: ids, cap: 12, layers: [0, 5, -1])
    }

    /// A generation step's candidates (rows after the cache) equal the same rows of one pass.
    @Test(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF")) func cachedStepsContinueThePrefill() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = (0..<24).map { ($0 * 7919 + 13) % 49152 }
        let plan = PassPlan(candidates: CandidatePlan(layers: [0, 10, 29], cap: 6))
        let whole = try #require(try model.run(ids, plan: plan).candidates)
        let cache = KVCache(for: model)
        var parts = [try #require(try model.run(Array(ids.prefix(20)), plan: plan, cache: cache).candidates)]
        for id in ids.dropFirst(20) { parts.append(try #require(try model.run([id], plan: plan, cache: cache).candidates)) }
        #expect(parts.last?.firstRow == 23)
        let joined = AttentionCandidates(concatenating: parts)
        #expect(joined.rows == 24 && joined.firstRow == 0)
        // Each step's products differ from the whole pass's in rounding only: same positions, weights to 1e-5.
        for l in 0..<3 {
            for a in 0..<2 {
                for p in 0..<24 {
                    let got = joined.candidates(layerIndex: l, aggregationIndex: a, position: p)
                    let want = whole.candidates(layerIndex: l, aggregationIndex: a, position: p)
                    #expect(got.count == want.count)
                    for (i, (g, w)) in zip(got, want).enumerated() {
                        #expect(abs(g.weight - w.weight) <= 1e-5, "layer \(l) row \(p)")
                        // The position must agree unless a neighbour's weight is within rounding of it.
                        let tied = want.indices.contains { $0 != i && abs(want[$0].weight - w.weight) <= 1e-5 }
                        if !tied { #expect(g.position == w.position, "layer \(l) row \(p) rank \(i)") }
                    }
                }
            }
        }
    }
}
