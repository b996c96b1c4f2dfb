/// The sizes most families spell alike: HF `hidden_size`, `num_hidden_layers`, ... and GGUF
/// `<arch>.embedding_length`, `<arch>.block_count`, ...
extension ConfigValues {
    func standardSizes(family: String, defaultTied: Bool, defaultEpsilon: Double = 1e-6) throws -> ModelConfig {
        let hidden = try int(hf: "hidden_size", gguf: "embedding_length")
        let heads = try int(hf: "num_attention_heads", gguf: "attention.head_count")
        let kvHeads = try optionalInt(hf: "num_key_value_heads", gguf: "attention.head_count_kv") ?? heads
        let headDim = try optionalInt(hf: "head_dim", gguf: "attention.key_length") ?? (heads > 0 ? hidden / heads : 0)
        // Checked before a family sizes anything by them (a per-layer list of 2^32 layers, say).
        return try ModelConfig(
            architecture: family, layerCount: try int(hf: "num_hidden_layers", gguf: "block_count"), hiddenSize: hidden,
            intermediateSize: try int(hf: "intermediate_size", gguf: "feed_forward_length"), headCount: heads,
            kvHeadCount: kvHeads, headDim: headDim, vocabularySize: try vocabularySize(),
            rmsNormEpsilon: Float(try optionalDouble(hf: "rms_norm_eps", gguf: "attention.layer_norm_rms_epsilon") ?? defaultEpsilon),
            ropeTheta: 0, tiedEmbeddings: try tied(default: defaultTied),
            attentionBias: false, maxPositions: try optionalInt(hf: "max_position_embeddings", gguf: "context_length") ?? 0
        ).validated(file: file)
    }

    func vocabularySize() throws -> Int {
        if let gguf {
            return try optionalInt(hf: nil, gguf: "vocab_size") ?? gguf["tokenizer.ggml.tokens"]?.arrayValue?.count
                ?? gguf.tensor(named: "token_embd.weight")?.dimensions.last ?? 0
        }
        return try int(hf: "vocab_size")
    }

    /// GGUF: tied when there is no `output.weight`; HF: `tie_word_embeddings`, else the family's default.
    func tied(default defaultTied: Bool) throws -> Bool {
        if let gguf { return gguf.tensor(named: "output.weight") == nil }
        return try optionalBool(hf: "tie_word_embeddings") ?? defaultTied
    }

    /// Whether a GGUF file holds `name` (false for HF configs).
    func hasTensor(_ name: String) -> Bool { gguf?.tensor(named: name) != nil }

    /// `sliding_window` (HF) or `<arch>.attention.sliding_window` (GGUF); nil or 0 (llama.cpp's Phi-3) = none.
    func slidingWindow() throws -> Int? {
        let w = try optionalInt(hf: "sliding_window", gguf: "attention.sliding_window")
        return w.flatMap { $0 == 0 ? nil : $0 }  // negative: refused by validation
    }
}
