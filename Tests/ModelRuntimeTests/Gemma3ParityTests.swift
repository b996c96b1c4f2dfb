import Foundation
import ModelRuntime
import Testing

/// The real Gemma 3 270M (GGUF Q4_K_M, with K-quants and Q5_0 / Q8_0 tensors) against transformers
/// loading the same file (tools/runtime/make_gemma3_fixtures.py): every layer's attention, mean and
/// max, for four texts; the last rows of a 640-token sequence, past the 512-token window of the
/// local layers; and the top logits.
@Suite(.enabled(if: gemma3Available, "needs the Gemma 3 270M GGUF (scripts/fetch-assets.sh gemma3)"))
struct Gemma3ParityTests {
    struct Manifest: Decodable {
        struct Text: Decodable { let file: String; let ids: [Int]; let layers: Int }
        struct Long: Decodable { let file: String; let ids: [Int]; let rows_stored: Int; let layers: Int }
        struct Logits: Decodable { let text_index: Int; let top_ids: [Int]; let top_logits: [Float] }
        let texts: [Text]
        let long: Long
        let logits_text1: Logits
    }

    static let manifest: Manifest = try! JSONDecoder().decode(
        Manifest.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/gemma3_attention.json")))
    static let model: CausalLanguageModel = try! CausalLanguageModel(path: gemma3Path, residency: .cached)

    @Test(arguments: 0..<4)
    func everyLayerMatchesTransformers(_ t: Int) throws {
        let text = Self.manifest.texts[t]
        let n = text.ids.count, perMatrix = n * (n + 1) / 2
        let packed = try Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/\(text.file)"))
        #expect(packed.count == text.layers * 2 * perMatrix * 2)
        let means = try Self.model.allLayerAttention(ids: text.ids, aggregation: .mean)
        let maxes = try Self.model.allLayerAttention(ids: text.ids, aggregation: .max)
        #expect(means.count == 18)
        packed.withUnsafeBytes { raw in
            for layer in 0..<text.layers {
                for (a, capture) in [means[layer], maxes[layer]].enumerated() {
                    var i = (layer * 2 + a) * perMatrix, worst: Float = 0
                    for row in 0..<n {
                        for col in 0...row {
                            let expected = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) / 65535
                            worst = max(worst, abs(capture.values[row * n + col] - expected))
                            i += 1
                        }
                    }
                    // 1e-4 plus the fixture's 16-bit rounding.
                    #expect(worst <= 1e-4 + 7.7e-6, "text \(t) layer \(layer) \(a == 0 ? "mean" : "max"): \(worst)")
                }
            }
        }
    }

    /// The local layers see only the last 512 keys; the global ones every key.
    @Test func slidingWindowMatchesPastTheWindow() throws {
        let long = Self.manifest.long, n = long.ids.count, rows = long.rows_stored
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/\(long.file)"))
        #expect(data.count == 4 * long.layers * 2 * rows * n)
        let golden = data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        for (a, aggregation) in [HeadAggregation.mean, .max].enumerated() {
            let captures = try Self.model.allLayerAttention(ids: long.ids, aggregation: aggregation)
            for layer in 0..<long.layers {
                let got = captures[layer].values[((n - rows) * n)..<(n * n)]
                let start = (layer * 2 + a) * rows * n
                let want = golden[start..<(start + rows * n)]
                let worst = zip(got, want).map { abs($0 - $1) }.max()!
                #expect(worst <= 1e-4, "layer \(layer) \(aggregation): \(worst)")
                let attended = got.suffix(n).filter { $0 > 0 }.count
                #expect(attended == (Self.model.architecture.layers[layer].window == nil ? n : 512), "layer \(layer)")
            }
        }
    }

    @Test func topLogitsMatchTransformers() throws {
        let want = Self.manifest.logits_text1
        let logits = try Self.model.run(Self.manifest.texts[want.text_index].ids, plan: PassPlan(logits: .lastPosition)).logits
        let top = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(want.top_ids.count)
        // Logits near 20 from 18 layers of float32 sums: agreement to about 1e-5 relative.
        for (id, value) in zip(want.top_ids, want.top_logits) {
            #expect(abs(logits[id] - value) <= 5e-4, "token \(id): \(logits[id]) vs \(value)")
        }
        #expect(Array(top.prefix(3)) == Array(want.top_ids.prefix(3)))
    }
}
