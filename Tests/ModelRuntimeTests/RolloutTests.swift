import Foundation
import ModelRuntime
import Testing

/// Attention rollout against transformers' attention rolled out in float64
/// (tools/runtime/make_rollout_fixtures.py), and its own properties.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct RolloutTests {
    struct Case: Decodable { let text: String; let ids: [Int]; let rollout: [String: [Double]] }
    struct File: Decodable { let cases: [Case] }

    @Test func matchesTransformersRolledOut() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/smollm2_rollout.json")))
        let model = try CausalLanguageModel(path: smolLM2Path)
        #expect(file.cases.count == 2)
        for c in file.cases {
            let layers = c.rollout.keys.compactMap(Int.init).sorted()
            #expect(layers == [0, 7, 19, 29])
            let ours = try model.attentionRollout(ids: c.ids, layers: layers)
            #expect(ours.map(\.layer) == layers)
            let n = c.ids.count
            for (layer, values) in ours {
                let expected = try #require(c.rollout[String(layer)])
                let worst = zip(values, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(values.count == n * n && worst <= 1e-4, "layer \(layer): worst difference \(worst)")
                // Rows are distributions over earlier positions.
                for r in 0..<n {
                    let row = values[(r * n)..<((r + 1) * n)]
                    #expect(abs(row.reduce(0, +) - 1) < 1e-4)
                    #expect(row.enumerated().allSatisfy { $0.offset <= r || $0.element == 0 })
                }
            }
        }
    }

    /// One layer's rollout is its own mixed matrix; later layers multiply on the left.
    @Test func firstLayerIsHalfIdentityHalfAttention() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = [504, 2365, 6354, 16438, 27003]
        let r0 = try model.attentionRollout(ids: ids, layers: [0])[0].values
        let a0 = try model.attention(ids: ids, layer: 0, aggregation: .mean).values
        for i in 0..<5 {
            for j in 0..<5 { #expect(r0[i * 5 + j] == 0.5 * a0[i * 5 + j] + (i == j ? 0.5 : 0)) }
        }
        #expect(throws: ModelError.self) { try model.attentionRollout(ids: ids, layers: [30]) }
    }
}
