import GGUF

/// Llama-family models (Llama 2/3, TinyLlama, SmolLM2): RMSNorm, rotary embeddings, grouped-query
/// attention without biases, SwiGLU MLP.
enum Llama {
    /// Config from GGUF metadata (`llama.*` keys).
    static func config(gguf file: GGUFFile) throws(ModelError) -> ModelConfig {
        func int(_ key: String) throws(ModelError) -> Int {
            guard let v = file["llama.\(key)"]?.intValue else { throw ModelError("\(file.path): missing or non-integer metadata \"llama.\(key)\"") }
            return v
        }
        func float(_ key: String, _ fallback: Double) -> Float { Float(file["llama.\(key)"]?.doubleValue ?? fallback) }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = file["llama.attention.head_count_kv"]?.intValue ?? heads
        let vocab = file["llama.vocab_size"]?.intValue ?? file["tokenizer.ggml.tokens"]?.arrayValue?.count
            ?? file.tensor(named: "token_embd.weight")?.dimensions.last ?? 0
        let headDim = file["llama.rope.dimension_count"]?.intValue ?? (heads > 0 ? hidden / heads : 0)
        return ModelConfig(
            architecture: "llama", layerCount: try int("block_count"), hiddenSize: hidden,
            intermediateSize: try int("feed_forward_length"), headCount: heads, kvHeadCount: kvHeads, headDim: headDim,
            vocabularySize: vocab, rmsNormEpsilon: float("attention.layer_norm_rms_epsilon", 1e-5),
            ropeTheta: float("rope.freq_base", 10_000), tiedEmbeddings: file.tensor(named: "output.weight") == nil,
            attentionBias: false)
    }
}
