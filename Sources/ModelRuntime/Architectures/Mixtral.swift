/// Mixtral: the Mistral block with routed experts on every layer (top k of a softmax, always
/// renormalized). llama.cpp writes it as `llama` with `llama.expert_count`.
enum Mixtral: ArchitectureFamily {
    static let huggingFaceNames = ["mixtral", "MixtralForCausalLM"]
    static let ggufNames: [String] = []

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Llama.describe(v, family: "mixtral", defaultTied: false, defaultBase: 1_000_000)
        let routing = ExpertRouting(
            count: try v.int(hf: "num_local_experts", gguf: "expert_count"),
            topK: try v.int(hf: "num_experts_per_tok", gguf: "expert_used_count"),
            normalizeTopK: true, activation: .silu, intermediateSize: d.config.intermediateSize)
        d.block.mlp = .experts(routing)
        for l in 0..<d.layers.count { d.layers[l].routedExperts = true }
        return d
    }

    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        if format == .gguf { return role.ggufSource(layer: layer) }
        if store.contains("model.layers.\(layer).block_sparse_moe.gate.weight") {
            return MixtureOfExperts.huggingFace(role, layer: layer, d, store: store, block: "block_sparse_moe", names: ("w1", "w3", "w2"))
                ?? HuggingFaceNames.llama(role, layer: layer)
        }
        return MixtureOfExperts.huggingFace(role, layer: layer, d, store: store, block: "mlp", names: ("gate_proj", "up_proj", "down_proj"))
            ?? HuggingFaceNames.llama(role, layer: layer)
    }
}

/// HuggingFace names of routed experts: one tensor per expert (`experts.E.gate_proj.weight`, as
/// checkpoints on the hub have them) or transformers 5's stacked `experts.gate_up_proj`
/// `[experts][2 · inner][hidden]` and `experts.down_proj` `[experts][hidden][inner]`.
enum MixtureOfExperts {
    static func huggingFace(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, store: WeightStore, block: String,
                            names: (gate: String, up: String, down: String)) -> TensorSource? {
        let p = "model.layers.\(layer).\(block)."
        guard case .experts(let r) = d.block.mlp else { return nil }
        let stacked = store.contains(p + "experts.gate_up_proj")
        let inner = r.intermediateSize
        switch role {
        case .router where d.layers[layer].routedExperts: return .init(p + "gate.weight")
        case .expertGate(let e):
            return stacked ? TensorSource(p + "experts.gate_up_proj", expert: e).slice(0..<inner, of: 2 * inner)
                           : .init(p + "experts.\(e).\(names.gate).weight")
        case .expertUp(let e):
            return stacked ? TensorSource(p + "experts.gate_up_proj", expert: e).slice(inner..<2 * inner, of: 2 * inner)
                           : .init(p + "experts.\(e).\(names.up).weight")
        case .expertDown(let e):
            return stacked ? TensorSource(p + "experts.down_proj", expert: e) : .init(p + "experts.\(e).\(names.down).weight")
        default: return nil
        }
    }
}
