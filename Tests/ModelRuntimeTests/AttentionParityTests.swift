import Foundation
import ModelRuntime
import Testing

/// rat's attention against transformers' (eager, float32) on the real SmolLM2-135M GGUF:
/// every layer, mean and max, max |difference| <= 1e-4 per matrix.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct AttentionParityTests {
    struct Manifest: Decodable {
        struct Text: Decodable { let file: String; let ids: [Int]; let layers: Int }
        let texts: [Text]
    }

    static let manifest: Manifest = try! JSONDecoder().decode(
        Manifest.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/smollm2_attention.json")))
    static let model: CausalLanguageModel = try! CausalLanguageModel(path: smolLM2Path)

    @Test(arguments: 0..<5)
    func everyLayerMatchesTransformers(_ t: Int) throws {
        let text = Self.manifest.texts[t]
        let n = text.ids.count
        let packed = try Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/\(text.file)"))
        let perMatrix = n * (n + 1) / 2
        #expect(packed.count == text.layers * 2 * perMatrix * 2)
        let means = try Self.model.allLayerAttention(ids: text.ids, aggregation: .mean)
        let maxes = try Self.model.allLayerAttention(ids: text.ids, aggregation: .max)
        #expect(means.count == text.layers && maxes.count == text.layers)
        var worst: Float = 0
        packed.withUnsafeBytes { raw in
            for layer in 0..<text.layers {
                for (a, capture) in [means[layer], maxes[layer]].enumerated() {
                    let base = (layer * 2 + a) * perMatrix
                    var i = 0, matrixWorst: Float = 0
                    for row in 0..<n {
                        for col in 0...row {
                            let expected = Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * (base + i), as: UInt16.self))) / 65535
                            matrixWorst = max(matrixWorst, abs(capture.values[row * n + col] - expected))
                            i += 1
                        }
                        for col in (row + 1)..<max(n, row + 1) { #expect(capture.values[row * n + col] == 0) }
                    }
                    // 1e-4 plus the fixture's 16-bit rounding.
                    #expect(matrixWorst <= 1e-4 + 7.7e-6, "text \(t) layer \(layer) \(a == 0 ? "mean" : "max"): \(matrixWorst)")
                    worst = max(worst, matrixWorst)
                }
            }
        }
        // A one-token text attends to itself with probability exactly 1; longer ones never match to the bit.
        #expect(n == 1 ? worst == 0 : worst > 0, "is the comparison reading the data?")
    }

    /// Capturing one layer stops there and gives the same matrix as the all-layer pass; so does
    /// dropping positions after the last one needed, and per-head capture reduces to the aggregate.
    @Test func shortcutsGiveTheSameAttention() throws {
        let ids = Self.manifest.texts[4].ids
        let all = try Self.model.allLayerAttention(ids: ids, aggregation: .mean)
        let one = try Self.model.attention(ids: ids, layer: 12, aggregation: .mean)
        #expect(one.layer == 12 && one.values == all[12].values)
        let last = try Self.model.attention(ids: ids, layer: -1, aggregation: .mean)
        #expect(last.layer == 29 && last.values == all[29].values)
        let prefix = try Self.model.attention(ids: ids, layer: 29, aggregation: .mean, lastPosition: 40)
        #expect(prefix.size == 41)
        for r in 0..<41 {
            for c in 0...r {
                #expect(abs(prefix.values[r * 41 + c] - all[29].values[r * ids.count + c]) <= 1e-6)
            }
        }
        let heads = try Self.model.attention(ids: ids, layer: 29, aggregation: .none)
        #expect(heads.heads == 9)
        let n = ids.count
        for i in stride(from: 0, to: n * n, by: 7) {
            var sum: Float = 0
            for h in 0..<9 { sum += heads.values[h * n * n + i] }
            #expect(abs(sum / 9 - all[29].values[i]) <= 1e-6)
        }
    }

    /// One worker or several, weights kept or streamed layer by layer: the same attention, on a
    /// sequence long enough for many attention blocks per worker.
    @Test func threadsAndWeightResidencyDoNotChangeTheResult() throws {
        let ids = (0..<600).map { (($0 * 7919) % 49_000) + 17 }
        let cached = try CausalLanguageModel(path: smolLM2Path, residency: .cached)
        let streamed = try CausalLanguageModel(path: smolLM2Path, residency: .streamed)
        let automatic = try CausalLanguageModel(path: smolLM2Path)
        #expect(cached.keepsDequantizedWeights && !streamed.keepsDequantizedWeights && automatic.keepsDequantizedWeights)
        streamed.threads = 1
        let a = try cached.attention(ids: ids, layer: -1, aggregation: .max)
        let b = try streamed.attention(ids: ids, layer: -1, aggregation: .max)
        #expect(a.size == 600 && b.size == 600)
        #expect(zip(a.values, b.values).map { abs($0 - $1) }.max()! <= 1e-5)  // float rounding only
        #expect(cached.keptWeightBytes == cached.dequantizedWeightBytes && cached.keptWeightBytes > 100_000_000)
        #expect(streamed.keptWeightBytes == 0)
        // automatic: the first pass streams, the second keeps what it dequantizes (layers 0...12).
        let firstPass = try automatic.attention(ids: Array(ids.prefix(100)), layer: -1, aggregation: .max)
        #expect(automatic.keptWeightBytes == 0)
        let secondPass = try automatic.attention(ids: Array(ids.prefix(100)), layer: 12, aggregation: .max)
        #expect(automatic.keptWeightBytes == automatic.dequantizedWeightBytes * 13 / 30)
        let thirdPass = try automatic.attention(ids: Array(ids.prefix(100)), layer: -1, aggregation: .max)
        #expect(thirdPass.values == firstPass.values && secondPass.layer == 12)
        #expect(automatic.keptWeightBytes == automatic.dequantizedWeightBytes)
        // Each row is a distribution over earlier positions (max over heads: at least 1/heads of mass).
        #expect(a.values[599 * 600 ..< 600 * 600].reduce(0, +) >= 1)
    }

    @Test func badRequestsAreClearErrors() {
        #expect(throws: ModelError("layer 30 out of range: the model has 30 layers (0...29, or -1...-30)")) {
            try Self.model.attention(ids: [1, 2], layer: 30)
        }
        #expect(throws: ModelError("layer -31 out of range: the model has 30 layers (0...29, or -1...-30)")) {
            try Self.model.attention(ids: [1, 2], layer: -31)
        }
        #expect(throws: ModelError("token id 49152 out of range: the vocabulary has 49152 tokens")) {
            try Self.model.attention(ids: [1, 49152], layer: 0)
        }
        #expect(throws: ModelError("token id -1 out of range: the vocabulary has 49152 tokens")) {
            try Self.model.attention(ids: [-1], layer: 0)
        }
        #expect(throws: ModelError("no token ids: the sequence is empty")) { try Self.model.attention(ids: [], layer: 0) }
        #expect(throws: ModelError("last position 5 out of range for 2 tokens")) {
            try Self.model.attention(ids: [1, 2], layer: 0, lastPosition: 5)
        }
    }

    @Test func readsTheConfigFromGGUFMetadata() {
        let c = Self.model.config
        #expect(c.architecture == "llama" && c.layerCount == 30 && c.hiddenSize == 576 && c.intermediateSize == 1536)
        #expect(c.headCount == 9 && c.kvHeadCount == 3 && c.headDim == 64 && c.vocabularySize == 49152)
        #expect(c.ropeTheta == 100_000 && abs(c.rmsNormEpsilon - 1e-5) < 1e-9 && c.tiedEmbeddings)
    }
}
