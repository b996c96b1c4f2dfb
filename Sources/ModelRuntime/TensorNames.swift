/// The names of one model's tensors in its file.
struct TensorNames: Sendable {
    var embedding: String
    var finalNorm: String
    var output: String?
    var layer: @Sendable (Int) -> LayerTensorNames

    /// llama.cpp's names (`blk.N.attn_q.weight`), shared by every GGUF architecture rat reads.
    static func gguf(tied: Bool) -> TensorNames {
        TensorNames(
            embedding: "token_embd.weight", finalNorm: "output_norm.weight", output: tied ? nil : "output.weight",
            layer: { i in
                let p = "blk.\(i)."
                return LayerTensorNames(
                    attentionNorm: p + "attn_norm.weight", query: p + "attn_q.weight", key: p + "attn_k.weight",
                    value: p + "attn_v.weight", attentionOutput: p + "attn_output.weight",
                    queryBias: p + "attn_q.bias", keyBias: p + "attn_k.bias", valueBias: p + "attn_v.bias",
                    mlpNorm: p + "ffn_norm.weight", gate: p + "ffn_gate.weight", up: p + "ffn_up.weight",
                    down: p + "ffn_down.weight")
            })
    }

    /// HuggingFace's names (`model.layers.N.self_attn.q_proj.weight`).
    static func huggingFace(tied: Bool) -> TensorNames {
        TensorNames(
            embedding: "model.embed_tokens.weight", finalNorm: "model.norm.weight", output: tied ? nil : "lm_head.weight",
            layer: { i in
                let p = "model.layers.\(i)."
                return LayerTensorNames(
                    attentionNorm: p + "input_layernorm.weight", query: p + "self_attn.q_proj.weight",
                    key: p + "self_attn.k_proj.weight", value: p + "self_attn.v_proj.weight",
                    attentionOutput: p + "self_attn.o_proj.weight", queryBias: p + "self_attn.q_proj.bias",
                    keyBias: p + "self_attn.k_proj.bias", valueBias: p + "self_attn.v_proj.bias",
                    mlpNorm: p + "post_attention_layernorm.weight", gate: p + "mlp.gate_proj.weight",
                    up: p + "mlp.up_proj.weight", down: p + "mlp.down_proj.weight")
            })
    }
}

struct LayerTensorNames: Sendable {
    var attentionNorm, query, key, value, attentionOutput: String
    var queryBias, keyBias, valueBias: String
    var mlpNorm, gate, up, down: String
}
