import Foundation
import ModelRuntime
import Testing

/// Value-weighted attention against the same quantity computed in float64 from transformers'
/// attention, values and output projection (tools/runtime/make_value_norm_fixtures.py).
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct ValueNormTests {
    struct Case: Decodable { let text: String; let ids: [Int]; let value_norm: [String: [Double]] }
    struct File: Decodable { let cases: [Case] }

    @Test func matchesTransformers() throws {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/smollm2_value_norm.json")))
        let model = try CausalLanguageModel(path: smolLM2Path)
        #expect(file.cases.count == 2)
        for c in file.cases {
            let n = c.ids.count
            for (key, expected) in c.value_norm {
                let layer = try #require(Int(key))
                let ours = try model.valueWeightedAttention(ids: c.ids, layer: layer)
                #expect(ours.layer == layer && ours.size == n)
                let worst = zip(ours.values, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
                #expect(ours.values.count == n * n && worst <= 1e-4, "layer \(layer): worst difference \(worst)")
                // It is not the attention: the values reweight it.
                let attention = try model.attention(ids: c.ids, layer: layer, aggregation: .mean).values
                #expect(zip(ours.values, attention).map { abs($0 - $1) }.max()! > 1e-3)
                for r in 0..<n {
                    let row = ours.values[(r * n)..<((r + 1) * n)]
                    #expect(abs(row.reduce(0, +) - 1) < 1e-5)
                }
            }
        }
    }

    /// A short text (passes of up to 8 positions normally read the quantized blocks in place)
    /// and a prefix give the same rows as the whole text.
    @Test func prefixRowsEqualTheWholeText() throws {
        let model = try CausalLanguageModel(path: smolLM2Path)
        let ids = [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30]
        let whole = try model.valueWeightedAttention(ids: ids, layer: 12)
        let prefix = try model.valueWeightedAttention(ids: ids, layer: 12, lastPosition: 5)
        for r in 0...5 {
            for j in 0...r { #expect(abs(prefix.values[r * 6 + j] - whole.values[r * 10 + j]) < 1e-5) }
        }
    }
}
