/// HuggingFace's tensor names for the Llama-style checkpoints most families share
/// (`model.layers.N.self_attn.q_proj.weight`); families with other names map their own.
enum HuggingFaceNames {
    @Sendable static func llama(_ role: TensorRole, layer: Int) -> TensorSource? {
        let p = "model.layers.\(layer)."
        switch role {
        case .tokenEmbedding: return "model.embed_tokens.weight"
        case .finalNorm: return "model.norm.weight"
        case .output: return "lm_head.weight"
        case .attentionNorm: return .init(p + "input_layernorm.weight")
        case .query: return .init(p + "self_attn.q_proj.weight")
        case .key: return .init(p + "self_attn.k_proj.weight")
        case .value: return .init(p + "self_attn.v_proj.weight")
        case .queryBias: return .init(p + "self_attn.q_proj.bias")
        case .keyBias: return .init(p + "self_attn.k_proj.bias")
        case .valueBias: return .init(p + "self_attn.v_proj.bias")
        case .queryNorm: return .init(p + "self_attn.q_norm.weight")
        case .keyNorm: return .init(p + "self_attn.k_norm.weight")
        case .attentionOutput: return .init(p + "self_attn.o_proj.weight")
        case .attentionOutputBias: return .init(p + "self_attn.o_proj.bias")
        case .mlpNorm: return .init(p + "post_attention_layernorm.weight")
        case .gate: return .init(p + "mlp.gate_proj.weight")
        case .up: return .init(p + "mlp.up_proj.weight")
        case .down: return .init(p + "mlp.down_proj.weight")
        case .gateBias: return .init(p + "mlp.gate_proj.bias")
        case .upBias: return .init(p + "mlp.up_proj.bias")
        case .downBias: return .init(p + "mlp.down_proj.bias")
        default: return nil
        }
    }

    /// Gemma 2/3 and OLMo 2 name the norm after attention `post_attention_layernorm` (Llama's MLP
    /// input norm) and add `pre_feedforward_layernorm` / `post_feedforward_layernorm`.
    @Sendable static func sandwich(_ role: TensorRole, layer: Int) -> TensorSource? {
        let p = "model.layers.\(layer)."
        switch role {
        case .attentionPostNorm: return .init(p + "post_attention_layernorm.weight")
        case .mlpNorm: return .init(p + "pre_feedforward_layernorm.weight")
        case .mlpPostNorm: return .init(p + "post_feedforward_layernorm.weight")
        default: return llama(role, layer: layer)
        }
    }
}
