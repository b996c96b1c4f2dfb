import GGUF

/// Qwen2 / Qwen2.5: the Llama block with biases on the q, k and v projections; rotary pairs
/// `(i, i + d/2)` in both HF and GGUF files (llama.cpp does not permute Qwen2's rows).
enum Qwen2 {
    static func config(gguf file: GGUFFile) throws(ModelError) -> ModelConfig {
        var c = try GGUFArchitectureKeys.config(gguf: file, prefix: "qwen2", defaultEpsilon: 1e-6, defaultTheta: 1_000_000)
        c.attentionBias = true
        return c
    }

    static func config(huggingFace h: HuggingFaceConfig, file: String) throws(ModelError) -> ModelConfig {
        var c = try h.modelConfig(file: file, defaultTied: false, defaultBias: true)
        c.attentionBias = true
        return c
    }
}

/// The `<arch>.*` metadata keys every llama.cpp architecture shares.
enum GGUFArchitectureKeys {
    static func config(gguf file: GGUFFile, prefix: String, defaultEpsilon: Double, defaultTheta: Double) throws(ModelError) -> ModelConfig {
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = file["\(prefix).\(key)"]?.intValue else {
                throw ModelError("\(file.path): missing or non-integer metadata \"\(prefix).\(key)\"")
            }
            return v
        }
        func float(_ key: String, _ fallback: Double) -> Float { Float(file["\(prefix).\(key)"]?.doubleValue ?? fallback) }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = file["\(prefix).attention.head_count_kv"]?.intValue ?? heads
        let vocab = file["\(prefix).vocab_size"]?.intValue ?? file["tokenizer.ggml.tokens"]?.arrayValue?.count
            ?? file.tensor(named: "token_embd.weight")?.dimensions.last ?? 0
        let headDim = file["\(prefix).attention.key_length"]?.intValue ?? file["\(prefix).rope.dimension_count"]?.intValue
            ?? (heads > 0 ? hidden / heads : 0)
        return ModelConfig(
            architecture: prefix, layerCount: try int("block_count"), hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"), headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
            vocabularySize: vocab, rmsNormEpsilon: float("attention.layer_norm_rms_epsilon", defaultEpsilon),
            ropeTheta: float("rope.freq_base", defaultTheta), tiedEmbeddings: file.tensor(named: "output.weight") == nil,
            attentionBias: false)
    }
}
