import Foundation
import GGUF
import ModelRuntime
import Testing

/// A tiny random Llama in GGUF form (hidden 8 unless told, 2 heads, 1 KV head, 2 layers, MLP 12,
/// vocabulary 16).
func tinyLlama(hidden h: Int = 8, _ edit: (inout GGUFWriter) -> Void = { _ in }) throws -> String {
    var rng = SystemRandomNumberGenerator()
    func random(_ shape: [Int]) -> GGUFWriter.Tensor.Init { (shape, (0..<shape.reduce(1, *)).map { _ in Float.random(in: -0.5...0.5, using: &rng) }) }
    var w = GGUFWriter()
    w.metadata = [
        ("general.architecture", .string("llama")), ("llama.block_count", .uint32(2)), ("llama.embedding_length", .uint32(UInt32(h))),
        ("llama.feed_forward_length", .uint32(12)), ("llama.attention.head_count", .uint32(2)),
        ("llama.attention.head_count_kv", .uint32(1)), ("llama.rope.freq_base", .float32(10000)),
        ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5)), ("llama.vocab_size", .uint32(16)),
    ]
    func add(_ name: String, _ shape: [Int]) {
        let (s, values) = random(shape)
        w.tensors.append(.init(name: name, shape: s, floats: values))
    }
    add("token_embd.weight", [16, h])
    add("output_norm.weight", [h])
    for l in 0..<2 {
        let p = "blk.\(l)."
        add(p + "attn_norm.weight", [h]); add(p + "attn_q.weight", [h, h]); add(p + "attn_k.weight", [h / 2, h])
        add(p + "attn_v.weight", [h / 2, h]); add(p + "attn_output.weight", [h, h]); add(p + "ffn_norm.weight", [h])
        add(p + "ffn_gate.weight", [12, h]); add(p + "ffn_up.weight", [12, h]); add(p + "ffn_down.weight", [h, 12])
    }
    edit(&w)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rat-tiny-\(UUID().uuidString).gguf")
    try w.data().write(to: url)
    return url.path
}

extension GGUFWriter.Tensor { typealias Init = (shape: [Int], values: [Float]) }

func loadError(_ path: String) -> String? {
    do { _ = try CausalLanguageModel(path: path) } catch { return error.message }
    return nil
}

@Suite struct ModelFileErrorTests {
    @Test func aValidTinyModelRuns() throws {
        let model = try CausalLanguageModel(path: try tinyLlama())
        let a = try model.attention(ids: [1, 5, 3, 9], layer: -1)
        #expect(a.size == 4 && a.layer == 1)
        for r in 0..<4 {
            let row = a.values[(r * 4)..<(r * 4 + 4)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)          // each row is a distribution
            #expect(row.dropFirst(r + 1).allSatisfy { $0 == 0 })  // over earlier positions only
        }
        let (hidden, logits) = try model.forward(ids: [1, 2])
        #expect(hidden.count == 16 && logits.count == 32 && logits.allSatisfy(\.isFinite))
    }

    /// Layer 0 all float32 (read in place), layer 1 with a float16 MLP (dequantized): a streamed
    /// pass sizes its scratch for the layer that needs the most, and every residency agrees.
    @Test func layersOfMixedTypesGiveTheSameResultStreamedOrKept() throws {
        let path = try tinyLlama { w in
            for name in ["blk.1.ffn_gate.weight", "blk.1.ffn_up.weight"] {
                let i = w.tensors.firstIndex { $0.name == name }!
                let halves = (0..<96).map { Float16(Float($0 % 13) / 16 - 0.4).bitPattern }
                w.tensors[i] = .init(name: name, shape: [12, 8], type: .f16, bytes: halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
            }
        }
        let ids = [1, 5, 3, 9, 2, 7]
        let cached = try CausalLanguageModel(path: path, residency: .cached)
        let streamed = try CausalLanguageModel(path: path, residency: .streamed)
        #expect(cached.dequantizedWeightBytes == 2 * 96 * 4)
        let want = try cached.forward(ids: ids)
        let got = try streamed.forward(ids: ids)
        #expect(got.logits == want.logits && got.hiddenStates == want.hiddenStates)
        #expect(try streamed.attention(ids: ids, layer: -1).values == cached.attention(ids: ids, layer: -1).values)
        #expect(streamed.keptWeightBytes == 0 && cached.keptWeightBytes == 2 * 96 * 4)
    }

    @Test func missingTensorIsNamed() throws {
        let path = try tinyLlama { $0.tensors.removeAll { $0.name == "blk.1.ffn_up.weight" } }
        #expect(loadError(path) == "\(path): missing tensor \"blk.1.ffn_up.weight\"")
    }

    @Test func wrongShapeIsNamed() throws {
        let path = try tinyLlama { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_k.weight" }!
            w.tensors[i] = .init(name: "blk.0.attn_k.weight", shape: [8, 8], floats: [Float](repeating: 0, count: 64))
        }
        #expect(loadError(path) == "\(path): tensor \"blk.0.attn_k.weight\" (key) has shape [8, 8], expected [4, 8]")
    }

    /// Float32 NaNs (read in place) and float16 infinities (0x7C00) (dequantized, kept or streamed).
    @Test(arguments: [GGUFTensorType.f32, .f16], [WeightResidency.cached, .streamed])
    func nanWeightsAreNamedWhenUsed(_ type: GGUFTensorType, _ residency: WeightResidency) throws {
        let path = try tinyLlama { w in
            let i = w.tensors.firstIndex { $0.name == "blk.0.attn_q.weight" }!
            w.tensors[i] = type == .f32
                ? .init(name: "blk.0.attn_q.weight", shape: [8, 8], floats: [Float](repeating: .nan, count: 64))
                : .init(name: "blk.0.attn_q.weight", shape: [8, 8], type: .f16, bytes: Array(repeating: [0x00, 0x7C], count: 64).flatMap { $0 })
        }
        let model = try CausalLanguageModel(path: path, residency: residency)
        #expect(throws: ModelError("\(path): tensor \"blk.0.attn_q.weight\" contains NaN or infinite values")) {
            try model.attention(ids: [1, 2], layer: 0)
        }
    }

    /// The same in a pass of stored products (rows of 32 elements: the blocks are multiplied in
    /// place, unchecked, and a non-finite result is traced back to the tensor), in the queries of
    /// the traced layer and in the residual stream of an earlier layer.
    @Test(arguments: [GGUFTensorType.f32, .f16], ["blk.0.attn_q.weight", "blk.0.ffn_gate.weight"])
    func nanWeightsAreNamedInStoredProducts(_ type: GGUFTensorType, _ name: String) throws {
        let path = try tinyLlama(hidden: 32) { w in
            let i = w.tensors.firstIndex { $0.name == name }!
            let shape = w.tensors[i].shape, count = shape.reduce(1, *)
            w.tensors[i] = type == .f32
                ? .init(name: name, shape: shape, floats: [Float](repeating: .nan, count: count))
                : .init(name: name, shape: shape, type: .f16, bytes: Array(repeating: [0x00, 0x7C], count: count).flatMap { $0 })
        }
        let model = try CausalLanguageModel(path: path)
        #expect(throws: ModelError("\(path): tensor \"\(name)\" contains NaN or infinite values")) {
            try model.attention(ids: [1, 2], layer: name.contains("attn_q") ? 0 : 1)
        }
    }

    @Test func unknownArchitectureIsNamed() throws {
        let path = try tinyLlama { $0.metadata[0] = ("general.architecture", .string("mamba")) }
        #expect(loadError(path) == "\(path): unsupported architecture \"mamba\" (rat runs: llama, qwen2, qwen3, qwen3moe, gemma2, gemma3, phi3, gpt2, olmo2, smollm3)")
    }

    @Test func inconsistentConfigIsAnError() throws {
        let path = try tinyLlama { $0.metadata[5] = ("llama.attention.head_count_kv", .uint32(3)) }
        #expect(loadError(path)!.contains("2 attention heads cannot share 3 key/value heads evenly"))
        let missing = try tinyLlama { $0.metadata.removeAll { $0.0 == "llama.block_count" } }
        #expect(loadError(missing) == "\(missing): missing metadata \"llama.block_count\"")
    }

    @Test func truncatedModelFileIsAnError() throws {
        let path = try tinyLlama()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: path))
        #expect(loadError(path)!.contains("past the end of the file"))
        #expect(loadError("/nonexistent/model.gguf")!.contains("/nonexistent/model.gguf: no such file or folder"))
    }
}
