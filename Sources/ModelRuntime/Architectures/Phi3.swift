/// Phi-3 / Phi-3.5 / Phi-4-mini: the Llama block with fused `qkv_proj` and `gate_up_proj`
/// (gate first), partial rotary embeddings, `longrope` scaling, an optional sliding window.
/// llama.cpp keeps the fused tensors (`attn_qkv`, and `ffn_up` holding gate and up).
enum Phi3: ArchitectureFamily {
    static let huggingFaceNames = ["phi3", "Phi3ForCausalLM"]
    static let ggufNames = ["phi3"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        try Llama.describe(v, family: "phi3", defaultTied: false, defaultBase: 10_000, bias: false, pairing: .halves)
    }

    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        let c = d.config
        let q = c.headCount * c.headDim, kv = c.kvHeadCount * c.headDim, inner = c.intermediateSize
        let qkv: TensorSource, gateUp: TensorSource
        if format == .gguf {
            qkv = .init("blk.\(layer).attn_qkv.weight")
            gateUp = .init("blk.\(layer).ffn_up.weight")
            if role != .query && role != .key && role != .value && role != .gate && role != .up { return role.ggufSource(layer: layer) }
        } else {
            qkv = .init("model.layers.\(layer).self_attn.qkv_proj.weight")
            gateUp = .init("model.layers.\(layer).mlp.gate_up_proj.weight")
        }
        switch role {
        case .query: return qkv.slice(0..<q, of: q + 2 * kv)
        case .key: return qkv.slice(q..<q + kv, of: q + 2 * kv)
        case .value: return qkv.slice(q + kv..<q + 2 * kv, of: q + 2 * kv)
        case .gate: return gateUp.slice(0..<inner, of: 2 * inner)
        case .up: return gateUp.slice(inner..<2 * inner, of: 2 * inner)
        default: return HuggingFaceNames.llama(role, layer: layer)
        }
    }
}
