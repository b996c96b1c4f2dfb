import Foundation
import ReverseAttention
import Testing

/// Each generated token's trace, built from the attention rows kept during generation, equals
/// `trace` on the prompt plus the generated tokens up to it, from the token's predecessor.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct GenerationTraceTests {
    static let tracer = try! ReverseAttentionTracer(loading: smolLM2Path)

    @Test(arguments: [(-1, HeadAggregation.mean, SearchMode.beam), (7, .max, .exact)])
    func everyGeneratedTokenTracesAsTraceDoes(_ layer: Int, _ aggregation: HeadAggregation, _ search: SearchMode) throws {
        let prompt = Self.tracer.tokenizer.encode("The quick brown fox")
        // Scores agree to float rounding (1e-4), so their 4-decimal text may not; positions exactly.
        var streamed: [Int] = []
        let g = try Self.tracer.generate(promptIDs: prompt, maxNewTokens: 10, layer: layer, aggHeads: aggregation, search: search,
                                         onToken: { streamed.append($0); return true })
        #expect(g.generatedIDs.count == 10 && g.traces.count == 10 && streamed == g.generatedIDs)
        #expect(g.text == Self.tracer.tokenizer.decode(g.generatedIDs))
        for (i, trace) in g.traces.enumerated() {
            let ids = prompt + g.generatedIDs.prefix(i + 1)
            let (want, _) = try Self.tracer.trace(inputIDs: ids, targetPos: -2, layer: layer, aggHeads: aggregation, search: search)
            #expect(trace.targetPos == prompt.count + i - 1 && trace.seqLen == ids.count)
            #expect(trace.beams.map(\.positions) == want.beams.map(\.positions), "token \(i)")
            for (a, b) in zip(trace.beams, want.beams) { #expect(abs(a.scoreNorm - b.scoreNorm) <= 1e-4, "token \(i)") }
        }
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(g)) as! [String: Any]
        #expect(Set(json.keys) == ["prompt_ids", "generated_ids", "text", "finish_reason", "traces", "timings"])
    }

    /// With `traceFrom: .token`, each written token's paths start at its own position, and equal
    /// `trace` there (its row comes from one more step on the cache, the last token's too).
    @Test func tracingFromTheTokenItself() throws {
        let prompt = Self.tracer.tokenizer.encode("The capital of France is")
        let g = try Self.tracer.generate(promptIDs: prompt, maxNewTokens: 4, endOfSequence: [], traceFrom: .token)
        #expect(g.traces.count == 4)
        for (i, trace) in g.traces.enumerated() {
            let ids = prompt + g.generatedIDs.prefix(i + 1)
            let (want, _) = try Self.tracer.trace(inputIDs: ids, targetPos: -1)
            #expect(trace.targetPos == prompt.count + i)
            #expect(trace.beams.map(\.positions) == want.beams.map(\.positions), "token \(i)")
            for (a, b) in zip(trace.beams, want.beams) { #expect(abs(a.scoreNorm - b.scoreNorm) <= 1e-4, "token \(i)") }
        }
    }

    /// A BOS id after the target cannot be on a path (the matrix stops at the target): it is not a
    /// stopping point, and not an error.
    @Test func bosAfterTheTargetIsIgnored() throws {
        let ids = [504, 2365, 6354, 16438, 2365]
        let (result, _) = try Self.tracer.trace(inputIDs: ids, targetPos: 3, bosTokenID: 2365)
        #expect(result.targetPos == 3 && !result.beams.isEmpty)
        for beam in result.beams {
            if let i = beam.positions.firstIndex(of: 1) { #expect(i == beam.positions.count - 1) }
        }
    }
}
