import Foundation
@testable import ModelRuntime
import Testing

/// Tiled attention (the layers whose probabilities are not kept, a tile of keys at a time with
/// the softmax computed online) against transformers on 2,600 tokens of SmolLM2: the last layer's
/// attention rows and the last position's largest logits, with the default threshold (blocks of
/// 2,048 keys and more tiled), with every block tiled, and without tiles.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct TiledAttentionTests {
    struct Manifest: Decodable {
        struct Logit: Decodable { let id: Int; let logit: Float }
        let ids: [Int]
        let rows: Int
        let top_logits: [Logit]
    }

    static let manifest: Manifest = try! JSONDecoder().decode(
        Manifest.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/smollm2_long.json")))
    /// transformers' rows, decoded from 16-bit fixed point (error <= 7.7e-6).
    static let expectedRows: [Float] = {
        let data = try! Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/smollm2_long_rows.u16"))
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 2)).map { Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) / 65535 }
        }
    }()

    /// The last layer's attention (mean over heads) and the last position's logits, in one pass.
    static func run(_ tiling: AttentionTiling?) throws -> (attention: [Float], logits: [Float]) {
        let model = try CausalLanguageModel(path: smolLM2Path)
        model.attentionTiling = tiling
        let result = try model.run(manifest.ids, plan: PassPlan(captures: [-1: .mean], logits: .lastPosition))
        return (result.attention[0].values, result.logits)
    }

    static let tiledByDefault = Result { try run(.default) }
    static let wholeRows = Result { try run(nil) }

    /// The largest |rat − transformers| over the fixture's rows, and over the top logits.
    static func differences(_ pass: (attention: [Float], logits: [Float])) -> (attention: Float, logits: Float) {
        let n = manifest.ids.count
        #expect(pass.attention.count == n * n && expectedRows.count == manifest.rows * n)
        var attention: Float = 0
        for r in 0..<manifest.rows {
            let row = n - manifest.rows + r
            for key in 0..<n { attention = max(attention, abs(pass.attention[row * n + key] - expectedRows[r * n + key])) }
        }
        let logits = manifest.top_logits.map { abs(pass.logits[$0.id] - $0.logit) }.max()!
        return (attention, logits)
    }

    /// The default tiles (256 keys from 2,048 on), every block in tiles of 256, and tiles of 100
    /// keys (a tile boundary inside every block) from 300 keys on.
    @Test(arguments: [AttentionTiling.default, AttentionTiling(fromKeys: 1, keysPerTile: 256), AttentionTiling(fromKeys: 300, keysPerTile: 100)])
    func longContextMatchesTransformers(_ tiling: AttentionTiling) throws {
        let pass = tiling == .default ? try Self.tiledByDefault.get() : try Self.run(tiling)
        let (attention, logits) = Self.differences(pass)
        // 1e-4 plus the fixture's 16-bit rounding, as for the short texts; logits to 2e-3 of ~20.
        #expect(attention <= 1e-4 + 7.7e-6 && attention > 0, "attention: \(attention)")
        #expect(logits <= 2e-3, "logits: \(logits)")
        // The same greedy token as transformers.
        #expect(greedyToken(pass.logits) == Self.manifest.top_logits[0].id)
    }

    @Test func tilesChangeOnlyTheRounding() throws {
        let whole = try Self.wholeRows.get(), tiled = try Self.tiledByDefault.get()
        let (attention, _) = Self.differences(whole)
        #expect(attention <= 1e-4 + 7.7e-6)
        // Every row of the last layer: the tiled passes' earlier layers differ by rounding only...
        let worst = zip(whole.attention, tiled.attention).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "\(worst)")
        // ...and they did take the tiles (one-ulp differences at least somewhere).
        #expect(worst > 0)
        // Rows before the threshold attend fewer keys than a tile block: nothing changed there.
        let n = Self.manifest.ids.count, untouched = 1024
        #expect(whole.attention[..<(untouched * n)] == tiled.attention[..<(untouched * n)])
    }
}
