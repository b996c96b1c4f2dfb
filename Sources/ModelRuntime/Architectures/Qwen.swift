/// Qwen2 / Qwen2.5: the Llama block with biases on q, k and v (not o); rotary pairs `(i, i + d/2)`
/// in both formats (llama.cpp does not permute Qwen's rows).
enum Qwen2: ArchitectureFamily {
    static let huggingFaceNames = ["qwen2", "Qwen2ForCausalLM"]
    static let ggufNames = ["qwen2"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        try Llama.describe(v, family: "qwen2", defaultTied: false, defaultBase: 1_000_000, bias: true, pairing: .halves)
    }
}

/// Qwen3: no biases, RMSNorm of each query and key head before the rotary embedding, and a
/// `head_dim` independent of the hidden size.
enum Qwen3: ArchitectureFamily {
    static let huggingFaceNames = ["qwen3", "Qwen3ForCausalLM"]
    static let ggufNames = ["qwen3"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Llama.describe(v, family: "qwen3", defaultTied: false, defaultBase: 1_000_000, pairing: .halves)
        d.block.qkNorm = .perHead
        return d
    }
}

/// Qwen3-MoE: Qwen3's attention with routed experts (softmax, top k, optionally renormalized);
/// `mlp_only_layers` and `decoder_sparse_step` keep some layers dense.
enum Qwen3MoE: ArchitectureFamily {
    static let huggingFaceNames = ["qwen3_moe", "Qwen3MoeForCausalLM"]
    static let ggufNames = ["qwen3moe"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Qwen3.describe(v)
        d.family = "qwen3_moe"
        d.config.architecture = "qwen3_moe"
        let routing = ExpertRouting(
            // transformers 5 writes num_local_experts, earlier versions num_experts.
            count: try v.optionalInt(hf: "num_experts", gguf: "expert_count") ?? v.int(hf: "num_local_experts", gguf: "expert_count"),
            topK: try v.int(hf: "num_experts_per_tok", gguf: "expert_used_count"),
            normalizeTopK: try v.optionalBool(hf: "norm_topk_prob", gguf: "expert_weights_norm") ?? (v.isGGUF ? true : false),
            activation: .silu, intermediateSize: try v.int(hf: "moe_intermediate_size", gguf: "expert_feed_forward_length"))
        d.block.mlp = .experts(routing)
        let dense = Set(try v.optionalNumbers(hf: "mlp_only_layers")?.map { Int($0) } ?? [])
        let step = try v.optionalInt(hf: "decoder_sparse_step") ?? 1
        for l in 0..<d.layers.count {
            d.layers[l].routedExperts = !dense.contains(l) && step > 0 && (l + 1) % step == 0
        }
        return d
    }

    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        if format == .gguf { return role.ggufSource(layer: layer) }
        return MixtureOfExperts.huggingFace(role, layer: layer, d, store: store, block: "mlp", names: ("gate_proj", "up_proj", "down_proj"))
            ?? HuggingFaceNames.llama(role, layer: layer)
    }
}
