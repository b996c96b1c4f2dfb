import Foundation
import ModelRuntime
import Testing

/// Generation on the KV cache: greedy ids equal transformers' greedy generation on the real GGUFs
/// (tools/generation/make_greedy_fixtures.py), and the attention kept along the way equals one pass
/// over everything the model read.
@Suite struct GenerationTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let model: String, kind: String, text: String
            let prompt_ids: [Int], generated_ids: [Int], eos_ids: [Int], top2_margins: [Float]
        }
        let cases: [Case]
    }

    static let fixture: Fixture = try! JSONDecoder().decode(
        Fixture.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("generation/greedy.json")))

    @Test(.enabled(if: smolLM2Available && gemma3Available, "needs the SmolLM2 and Gemma 3 GGUFs (scripts/fetch-assets.sh)"),
          arguments: 0..<5)
    func greedyMatchesTransformers(_ index: Int) throws {
        let c = Self.fixture.cases[index]
        let model = try CausalLanguageModel(path: assetCache.appendingPathComponent("models/\(c.model)").path)
        var streamed: [Int] = []
        let g = try model.generate(promptIDs: c.prompt_ids, maxNewTokens: 32, endOfSequence: Set(c.eos_ids),
                                   onToken: { streamed.append($0); return true })
        #expect(streamed == g.generatedIDs)
        // Compared up to the first true near-tie, where float rounding may pick either token.
        let comparable = c.top2_margins.firstIndex { $0 < 1e-4 } ?? c.generated_ids.count
        #expect(Array(g.generatedIDs.prefix(comparable)) == Array(c.generated_ids.prefix(comparable)), "\(c.model) \(c.kind) \(c.text)")
        if comparable == c.generated_ids.count {
            #expect(g.generatedIDs.count == c.generated_ids.count)
            #expect(g.finishReason == (c.eos_ids.contains(c.generated_ids.last!) ? .endOfSequence : .length))
        }
    }

    /// The traced layer's rows kept during generation are the rows a single pass over the prompt
    /// and the generated tokens (but the last) computes: no second pass needed.
    @Test(arguments: ["llama3_rope", "gemma3", "qwen3_moe", "gpt2"], [HeadAggregation.mean, .max])
    func keptAttentionEqualsOnePass(_ name: String, _ aggregation: HeadAggregation) throws {
        let model = try CausalLanguageModel(path: fixturesDirectory.appendingPathComponent("runtime/families/\(name)").path)
        let prompt = [3, 17, 42, 99, 5, 5, 120, 64, 1, 77, 23, 101]
        let g = try model.generate(promptIDs: prompt, maxNewTokens: 12, endOfSequence: [], capture: (-1, aggregation))
        #expect(g.generatedIDs.count == 12 && g.finishReason == .length)
        let read = prompt + g.generatedIDs.dropLast()
        let kept = try #require(g.attention)
        #expect(kept.size == read.count)
        let one = try model.attention(ids: read, layer: -1, aggregation: aggregation)
        let worst = zip(kept.values, one.values).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "\(name) \(aggregation): \(worst)")
        // And greedy on the full pass agrees with what was generated.
        let logits = try model.run(prompt + g.generatedIDs.prefix(5), plan: PassPlan(logits: .allPositions)).logits
        let vocabulary = model.config.vocabularySize
        for s in 0..<5 {
            let row = Array(logits[((prompt.count - 1 + s) * vocabulary)..<((prompt.count + s) * vocabulary)])
            #expect(greedyToken(row) == g.generatedIDs[s], "\(name) step \(s)")
        }
    }

    @Test func stopsWhereAsked() throws {
        let model = try CausalLanguageModel(path: fixturesDirectory.appendingPathComponent("runtime/families/qwen3").path)
        let prompt = [3, 17, 42]
        let free = try model.generate(promptIDs: prompt, maxNewTokens: 10, endOfSequence: [])
        let eos = free.generatedIDs[3]
        let stopped = try model.generate(promptIDs: prompt, maxNewTokens: 10, endOfSequence: [eos])
        let first = free.generatedIDs.firstIndex(of: eos)!
        #expect(stopped.generatedIDs == Array(free.generatedIDs.prefix(first + 1)) && stopped.finishReason == .endOfSequence)
        var seen = 0
        let asked = try model.generate(promptIDs: prompt, maxNewTokens: 10, endOfSequence: [], onToken: { _ in seen += 1; return seen < 2 })
        #expect(asked.generatedIDs.count == 2 && asked.finishReason == .stopped)
    }

    @Test func badRequestsAreClearErrors() throws {
        let gpt2 = try CausalLanguageModel(path: fixturesDirectory.appendingPathComponent("runtime/families/gpt2").path)
        #expect(throws: ModelError("max new tokens must be at least 1 (got 0)")) {
            try gpt2.generate(promptIDs: [1, 2], maxNewTokens: 0, endOfSequence: [])
        }
        #expect(throws: ModelError("no token ids: the prompt is empty")) {
            try gpt2.generate(promptIDs: [], maxNewTokens: 4, endOfSequence: [])
        }
        #expect(throws: ModelError("the prompt (60 tokens) plus 10 new tokens is longer than the model's context of 64 positions")) {
            try gpt2.generate(promptIDs: Array(repeating: 7, count: 60), maxNewTokens: 10, endOfSequence: [])
        }
        #expect(throws: ModelError("generation keeps aggregated attention: use mean or max")) {
            try gpt2.generate(promptIDs: [1], maxNewTokens: 1, endOfSequence: [], capture: (-1, .none))
        }
    }
}
