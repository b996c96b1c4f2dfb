import GGUF

/// Llama-family models (Llama 2/3, TinyLlama, SmolLM2): RMSNorm, rotary embeddings, grouped-query
/// attention without biases, SwiGLU MLP.
enum Llama {
    /// Config from GGUF metadata (`llama.*` keys).
    static func config(gguf file: GGUFFile) throws(ModelError) -> ModelConfig {
        try GGUFArchitectureKeys.config(gguf: file, prefix: "llama", defaultEpsilon: 1e-5, defaultTheta: 10_000)
    }

    static func config(huggingFace h: HuggingFaceConfig, file: String) throws(ModelError) -> ModelConfig {
        if h.attentionBias == true {
            throw ModelError("\(file): Llama with attention_bias is not supported yet")
        }
        return try h.modelConfig(file: file, defaultTied: false, defaultBias: false)
    }
}
