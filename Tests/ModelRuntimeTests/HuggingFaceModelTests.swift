import Foundation
import ModelRuntime
import Testing

/// Tiny random Qwen2 and Llama checkpoints saved by transformers (tools/runtime/make_tiny_models.py):
/// attention of every layer and the logits within 1e-4 of transformers.
@Suite struct HuggingFaceModelTests {
    struct Golden: Decodable {
        struct Model: Decodable { let mean: [[Float]]; let max: [[Float]]; let logits: [Float] }
        let ids: [Int]
        let models: [String: Model]
    }
    static let tiny = fixturesDirectory.appendingPathComponent("runtime/tiny")
    static let golden = try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: tiny.appendingPathComponent("golden.json")))

    static func worst(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Each checkpoint with its weights kept in float32 and streamed layer by layer (float32
    /// tensors are read in place either way).
    @Test(arguments: ["qwen2_tied_f32", "qwen2_untied_bf16_sharded", "llama_untied_f16_gqa", "llama_tied_f32_mha"],
          [WeightResidency.cached, .streamed])
    func matchesTransformers(_ name: String, _ residency: WeightResidency) throws {
        let model = try CausalLanguageModel(path: Self.tiny.appendingPathComponent(name).path, residency: residency)
        let want = try #require(Self.golden.models[name])
        let ids = Self.golden.ids
        let means = try model.allLayerAttention(ids: ids, aggregation: .mean)
        let maxes = try model.allLayerAttention(ids: ids, aggregation: .max)
        #expect(means.count == want.mean.count)
        for l in 0..<means.count {
            #expect(Self.worst(means[l].values, want.mean[l]) <= 1e-4, "\(name) layer \(l) mean")
            #expect(Self.worst(maxes[l].values, want.max[l]) <= 1e-4, "\(name) layer \(l) max")
        }
        let (_, logits) = try model.forward(ids: ids)
        let logitError = Self.worst(logits, want.logits)
        #expect(logitError <= 1e-4, "\(name) logits: \(logitError)")
        // Attention that is far from uniform, so the comparison means something.
        #expect(want.max.last!.contains { $0 > 0.5 && $0 < 1 })
    }

    @Test func readsTheConfig() throws {
        let qwen = try CausalLanguageModel(path: Self.tiny.appendingPathComponent("qwen2_tied_f32").path).config
        #expect(qwen.architecture == "qwen2" && qwen.attentionBias && qwen.tiedEmbeddings && qwen.ropeTheta == 1_000_000)
        #expect(qwen.headCount == 4 && qwen.kvHeadCount == 2 && qwen.headDim == 8 && qwen.layerCount == 2)
        let llama = try CausalLanguageModel(path: Self.tiny.appendingPathComponent("llama_untied_f16_gqa").path).config
        #expect(llama.architecture == "llama" && !llama.attentionBias && !llama.tiedEmbeddings && llama.kvHeadCount == 1)
    }

    /// A repo id resolves through the HuggingFace cache layout, offline, from each of the three
    /// places the cache can be.
    @Test func findsRepoIDsInTheHubCache() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rat-hub-\(UUID().uuidString)")
        let hub = root.appendingPathComponent("hub")
        let repo = hub.appendingPathComponent("models--tiny-org--qwen2-tiny")
        let snapshot = repo.appendingPathComponent("snapshots/0123456789abcdef")
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try "0123456789abcdef\n".write(to: repo.appendingPathComponent("refs/main"), atomically: true, encoding: .utf8)
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(
                at: snapshot.appendingPathComponent(file), withDestinationURL: Self.tiny.appendingPathComponent("qwen2_tied_f32/\(file)"))
        }
        for environment in [["HF_HUB_CACHE": hub.path], ["HF_HOME": root.path]] {
            let (location, origin) = try ModelLocator.locate("tiny-org/qwen2-tiny", environment: environment)
            guard case .huggingFaceFolder(let folder) = location else { Issue.record("not a folder: \(location)"); continue }
            #expect(folder.standardizedFileURL.path == snapshot.standardizedFileURL.path)
            #expect(origin.contains("HuggingFace cache, snapshot 0123456789ab"))
            let model = try CausalLanguageModel(location, origin: origin)
            #expect(model.config.architecture == "qwen2")
        }
        #expect(ModelLocator.hubCache([:]).path.hasSuffix(".cache/huggingface/hub"))
        #expect(throws: ModelError.self) { try ModelLocator.locate("tiny-org/not-there", environment: ["HF_HUB_CACHE": hub.path]) }
        do {
            _ = try ModelLocator.locate("tiny-org/not-there", environment: ["HF_HUB_CACHE": hub.path])
        } catch {
            #expect(error.message.contains("not in the local HuggingFace cache"))
        }
    }

    @Test func badFoldersAreClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-hf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func message() -> String? {
            do { _ = try CausalLanguageModel(path: dir.path) } catch { return error.message }
            return nil
        }
        #expect(message()!.contains("no config.json in this folder"))
        let config = try String(contentsOf: Self.tiny.appendingPathComponent("qwen2_tied_f32/config.json"), encoding: .utf8)
        try config.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(message()!.contains("no model.safetensors or model.safetensors.index.json"))
        let weights = try Data(contentsOf: Self.tiny.appendingPathComponent("qwen2_tied_f32/model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: dir.appendingPathComponent("model.safetensors"))
        #expect(message()!.contains("does not fit the file: truncated or corrupt"))
        try weights.write(to: dir.appendingPathComponent("model.safetensors"))
        try config.replacingOccurrences(of: "\"num_key_value_heads\": 2", with: "\"num_key_value_heads\": 3")
            .write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(message()!.contains("cannot share 3 key/value heads"))
        try config.replacingOccurrences(of: "Qwen2ForCausalLM", with: "MambaForCausalLM").replacingOccurrences(of: "\"model_type\": \"qwen2\"", with: "\"model_type\": \"mamba\"")
            .write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(message()!.contains("unsupported architecture \"MambaForCausalLM\""))
        try "{\"hidden_size\": 8}".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(message()!.contains("unsupported architecture \"(none)\" (rat runs: llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, gemma2, gemma3_text, gemma3, phi3, gpt2, olmo2, smollm3)"))
        try "{\"model_type\": \"llama\", \"hidden_size\": 8}".write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect(message()!.contains("missing \"num_attention_heads\""))
    }
}
