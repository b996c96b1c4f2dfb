import Foundation
@testable import ModelRuntime
import Testing

/// Every family against transformers (tools/runtime/make_family_models.py): small random-weight
/// checkpoints, 40 tokens (longer than every window and original rope length), attention of every
/// layer (mean, max, every head) and the last position's logits within 1e-4 of transformers'
/// eager attention; the same weights as GGUF files written with gguf-py's tensor names and
/// llama.cpp's conversions; configs as transformers 4 wrote them; and the KV cache.
@Suite struct FamilyParityTests {
    struct Manifest: Decodable {
        struct Model: Decodable {
            let name: String, family: String, layers: Int, heads: Int
            let gguf: String?
            let gguf_matches_golden: Bool?
            let v4_config: Bool
            let logits_last: [Float]
        }
        let ids: [Int]
        let models: [Model]
    }

    static let folder = fixturesDirectory.appendingPathComponent("runtime/families")
    static let manifest = try! JSONDecoder().decode(Manifest.self, from: Data(contentsOf: folder.appendingPathComponent("manifest.json")))
    static let names = manifest.models.map(\.name)
    static func entry(_ name: String) -> Manifest.Model { manifest.models.first { $0.name == name }! }

    /// Golden attention of one model: per layer, mean [n·n], max [n·n], heads [H·n·n].
    static func golden(_ m: Manifest.Model) throws -> [[Float]] {
        let data = try Data(contentsOf: folder.appendingPathComponent("\(m.name).f32"))
        let n = manifest.ids.count, perLayer = (2 + m.heads) * n * n
        #expect(data.count == 4 * m.layers * perLayer)
        let all = data.withUnsafeBytes { raw in (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) } }
        return (0..<m.layers).map { Array(all[($0 * perLayer)..<(($0 + 1) * perLayer)]) }
    }

    static func worst(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    func compare(_ model: CausalLanguageModel, _ m: Manifest.Model, label: String) throws {
        let ids = Self.manifest.ids, n = ids.count
        let golden = try Self.golden(m)
        #expect(model.config.layerCount == m.layers, "\(label)")
        for (aggregation, range) in [(HeadAggregation.mean, 0..<(n * n)), (.max, (n * n)..<(2 * n * n)),
                                     (.none, (2 * n * n)..<((2 + m.heads) * n * n))] {
            let captures = try model.allLayerAttention(ids: ids, aggregation: aggregation)
            for l in 0..<m.layers {
                let error = Self.worst(captures[l].values, golden[l][range])
                #expect(error <= 1e-4, "\(label) layer \(l) \(aggregation): \(error)")
            }
        }
        let logits = try model.run(ids, plan: PassPlan(logits: .lastPosition)).logits
        let error = Self.worst(logits, m.logits_last)
        #expect(error <= 1e-4, "\(label) logits: \(error)")
    }

    @Test(arguments: names)
    func huggingFaceFolderMatchesTransformers(_ name: String) throws {
        let m = Self.entry(name)
        let model = try CausalLanguageModel(path: Self.folder.appendingPathComponent(name).path, residency: .streamed)
        #expect(model.architecture.family == (m.family == "gemma3_text" ? "gemma3" : m.family))
        try compare(model, m, label: name)
    }

    /// Tiled attention (see `TiledAttention`) in every family: every block in tiles of 8 keys, so
    /// that windows, soft-capping, grouped heads and rotary variants cross tile boundaries in the
    /// layers before the last; the last layer's attention (kept, so whole rows) and the last
    /// position's logits within 1e-4 of transformers.
    @Test(arguments: names)
    func tiledAttentionMatchesTransformers(_ name: String) throws {
        let m = Self.entry(name), n = Self.manifest.ids.count
        let model = try CausalLanguageModel(path: Self.folder.appendingPathComponent(name).path, residency: .cached)
        model.attentionTiling = AttentionTiling(fromKeys: 1, keysPerTile: 8)
        let result = try model.run(Self.manifest.ids, plan: PassPlan(captures: [m.layers - 1: .mean], logits: .lastPosition))
        let attention = Self.worst(result.attention[0].values, try Self.golden(m)[m.layers - 1][0..<(n * n)])
        #expect(attention <= 1e-4, "\(name) last layer: \(attention)")
        let logits = Self.worst(result.logits, m.logits_last)
        #expect(logits <= 1e-4, "\(name) logits: \(logits)")
        // The second half as one pass on a KV cache holding the first: tiles of cached keys. (Dynamic
        // NTK scaling's cached keys keep the prefill's frequencies; see kvCacheStepsMatchOneFullPass.)
        guard !name.contains("dynamic") else { return }
        let cache = KVCache(for: model, capacity: 4)
        _ = try model.run(Array(Self.manifest.ids.prefix(n / 2)), plan: PassPlan(logits: .none), cache: cache)
        let continued = try model.run(Array(Self.manifest.ids.dropFirst(n / 2)), plan: PassPlan(logits: .lastPosition), cache: cache)
        let cached = Self.worst(continued.logits, m.logits_last)
        #expect(cached <= 1e-4, "\(name) logits after a cached half: \(cached)")
    }

    /// GGUF versions of the same weights, named as llama.cpp names them. Two cannot say everything:
    /// llama.cpp writes Mistral as `llama` without its window, and has no key for Gemma 2's
    /// query_pre_attn_scalar; those load, and differ from transformers as llama.cpp would.
    @Test(arguments: names.filter { entry($0).gguf != nil })
    func ggufMatchesTransformers(_ name: String) throws {
        let m = Self.entry(name)
        let model = try CausalLanguageModel(path: Self.folder.appendingPathComponent(m.gguf!).path, residency: .cached)
        if m.gguf_matches_golden == true {
            try compare(model, m, label: "\(name).gguf")
        } else {
            let logits = try model.run(Self.manifest.ids, plan: PassPlan(logits: .lastPosition)).logits
            #expect(logits.count == model.config.vocabularySize && logits.allSatisfy(\.isFinite))
        }
    }

    /// config.json as transformers 4 wrote it (rope_theta, rope_scaling, torch_dtype, Gemma 3's
    /// rope_local_base_freq) gives the same model as transformers 5's rope_parameters.
    @Test(arguments: names.filter { entry($0).v4_config })
    func transformers4ConfigIsTheSameModel(_ name: String) throws {
        let source = Self.folder.appendingPathComponent(name)
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("rat-v4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.v4.json"), to: copy.appendingPathComponent("config.json"))
        try FileManager.default.createSymbolicLink(at: copy.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        let v4 = try CausalLanguageModel(path: copy.path), v5 = try CausalLanguageModel(path: source.path)
        #expect(v4.architecture == v5.architecture)
        try compare(v4, Self.entry(name), label: "\(name) (transformers 4 config)")
    }

    /// Prefill, then one token per step on the KV cache: the same logits and attention rows as
    /// one full pass, for every family. The prefill passes every original rope length (longrope
    /// switches factors there). Dynamic NTK scaling changes the frequencies with the length, and
    /// transformers' cached keys keep the ones they were made with, as rat's do: there the
    /// reference is a pass over the prefill alone.
    @Test(arguments: names)
    func kvCacheStepsMatchOneFullPass(_ name: String) throws {
        let model = try CausalLanguageModel(path: Self.folder.appendingPathComponent(name).path, residency: .cached)
        let ids = Self.manifest.ids, n = ids.count, layers = model.config.layerCount, heads = model.config.headCount
        let vocabulary = model.config.vocabularySize
        var all: [Int: HeadAggregation] = [:]
        for l in 0..<layers { all[l] = HeadAggregation.none }
        let prefill = 20
        let dynamic = name.contains("dynamic")
        let full = try model.run(dynamic ? Array(ids.prefix(prefill)) : ids, plan: PassPlan(captures: all, logits: .allPositions))
        let fullLength = dynamic ? prefill : n
        let cache = KVCache(for: model, capacity: 4)  // small: it has to grow
        var steps = [try model.run(Array(ids.prefix(prefill)), plan: PassPlan(captures: all, logits: .lastPosition), cache: cache)]
        for p in prefill..<n {
            steps.append(try model.run([ids[p]], plan: PassPlan(captures: all, logits: .lastPosition), cache: cache))
        }
        #expect(cache.count == n)
        for (s, step) in steps.enumerated() where s == 0 || !dynamic {
            let last = s == 0 ? prefill - 1 : prefill + s - 1
            let error = Self.worst(step.logits, full.logits[(last * vocabulary)..<((last + 1) * vocabulary)])
            #expect(error <= 1e-4, "\(name) step \(s) logits: \(error)")
            for l in 0..<layers {
                let capture = step.attention[l]
                #expect(capture.firstRow == (s == 0 ? 0 : last) && capture.size == last + 1)
                for h in 0..<heads {
                    for r in 0..<capture.rows {
                        let position = capture.firstRow + r
                        let got = capture.values[((h * capture.rows + r) * capture.size)..<((h * capture.rows + r + 1) * capture.size)]
                        let want = full.attention[l].values[((h * fullLength + position) * fullLength)..<((h * fullLength + position) * fullLength + capture.size)]
                        let e = Self.worst(got, want)
                        #expect(e <= 1e-5, "\(name) step \(s) layer \(l) head \(h) row \(position): \(e)")
                    }
                }
            }
        }
        // Truncating forgets positions: the next step continues from there.
        guard !dynamic else { return }
        cache.truncate(to: 20)
        let again = try model.run([ids[20]], plan: PassPlan(logits: .lastPosition), cache: cache)
        #expect(Self.worst(again.logits, full.logits[(20 * vocabulary)..<(21 * vocabulary)]) <= 1e-4)
    }
}
