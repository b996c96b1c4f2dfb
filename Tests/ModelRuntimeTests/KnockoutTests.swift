import Foundation
import ModelRuntime
import Testing

/// Attention knockouts against transformers with the same edges cut (−∞ before the softmax, in
/// transformers' own eager attention of each family: tools/runtime/make_knockout_fixtures.py),
/// on the real SmolLM2 and on small random checkpoints of other families.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct KnockoutTests {
    struct KnockoutSet: Decodable { let edges: [[Int]]; let delta_logprob: Double }
    struct Case: Decodable {
        let model: String
        let ids: [Int]
        let target: Int
        let predicted_token_id: Int
        let base_logprob: Double
        let sets: [KnockoutSet]
    }
    struct File: Decodable { let cases: [Case] }

    static let file = try! JSONDecoder().decode(
        File.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/knockout.json")))

    static func model(_ name: String) throws -> CausalLanguageModel {
        try CausalLanguageModel(path: name == "smollm2" ? smolLM2Path : fixturesDirectory.appendingPathComponent("runtime/\(name)").path)
    }

    @Test(arguments: Array(Set<String>(file.cases.map(\.model))).sorted())
    func deltasMatchTransformers(model name: String) throws {
        let model = try Self.model(name)
        let cases = Self.file.cases.filter { $0.model == name }
        #expect(!cases.isEmpty)
        for c in cases {
            let sets = c.sets.map { $0.edges.map { AttentionKnockout(layer: $0[0], query: $0[1], key: $0[2]) } }
            let effects = try model.knockoutEffects(ids: Array(c.ids.prefix(c.target + 1)), sets: sets)
            #expect(effects.predictedTokenID == c.predicted_token_id, "\(name) target \(c.target)")
            #expect(abs(effects.baseLogProbability - c.base_logprob) <= 1e-3, "\(name): base \(effects.baseLogProbability) vs \(c.base_logprob)")
            for (set, delta) in zip(c.sets, effects.deltas) {
                #expect(abs(delta - set.delta_logprob) <= 1e-3, "\(name) target \(c.target) \(set.edges): \(delta) vs \(set.delta_logprob)")
            }
        }
        // The fixtures are not all zeros: some cut changes the prediction's log-probability.
        #expect(cases.contains { c in c.sets.contains { abs($0.delta_logprob) > 0.01 } })
    }

    /// A pass resumed from a kept residual stream gives the logits of the whole pass, and the
    /// knocked-out rows renormalize: the row's other keys share its attention.
    @Test func resumedPassEqualsTheWholePass() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30]
        let whole = try model.run(ids, plan: PassPlan(logits: .lastPosition, residualLayer: 12))
        let residual = try #require(whole.residual)
        #expect(residual.layer == 12 && residual.values.count == ids.count * model.config.hiddenSize)
        let resumed = try model.run(ids, plan: PassPlan(logits: .lastPosition, resume: residual))
        #expect(resumed.logits == whole.logits)

        let intact = try model.run(ids, plan: PassPlan(throughLayer: 12, captures: [12: .none])).attention[0]
        let cut = try model.run(ids, plan: PassPlan(throughLayer: 12, captures: [12: .none], knockouts: [
            AttentionKnockout(layer: 12, query: 9, key: 0), AttentionKnockout(layer: 12, query: 9, key: 4),
        ])).attention[0]
        let n = ids.count
        for h in 0..<cut.heads {
            let row = (h * n + 9) * n
            #expect(cut.values[row] == 0 && cut.values[row + 4] == 0)
            let rest = 1 - Double(intact.values[row]) - Double(intact.values[row + 4])
            for j in [1, 2, 3, 5, 6, 7, 8, 9] {
                #expect(abs(Double(cut.values[row + j]) - Double(intact.values[row + j]) / rest) < 1e-5)
            }
            // Other rows are untouched.
            #expect(cut.values[(h * n + 8) * n..<(h * n + 9) * n] == intact.values[(h * n + 8) * n..<(h * n + 9) * n])
        }
    }

    @Test func badKnockoutsAreNamed() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = [504, 2365, 6354]
        for bad in [AttentionKnockout(layer: 3, query: 1, key: 2), AttentionKnockout(layer: 3, query: 5, key: 0),
                    AttentionKnockout(layer: 30, query: 2, key: 0)] {
            #expect(throws: ModelError.self) { try model.knockoutEffects(ids: ids, sets: [[bad]]) }
        }
        let residual = try #require(try model.run(ids, plan: PassPlan(logits: .lastPosition, residualLayer: 5)).residual)
        // Layers before the resumed one cannot be captured or knocked out.
        #expect(throws: ModelError.self) { try model.run(ids, plan: PassPlan(captures: [2: .mean], resume: residual)) }
        #expect(throws: ModelError.self) {
            try model.run(ids, plan: PassPlan(resume: residual, knockouts: [AttentionKnockout(layer: 4, query: 2, key: 0)]))
        }
        #expect(throws: ModelError.self) { try model.run(Array(ids.prefix(2)), plan: PassPlan(resume: residual)) }
    }
}
