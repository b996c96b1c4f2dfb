import Foundation

/// Gemma 2: RMSNorm with `1 + w` (HF checkpoints store `w`; llama.cpp's converter adds the 1) before
/// and after each sublayer, embeddings scaled by √hidden, attention scaled by
/// `query_pre_attn_scalar^-½` and soft-capped, sliding-window and global layers alternating
/// (local first), gated GELU (tanh), soft-capped logits, tied embeddings.
enum Gemma2: ArchitectureFamily {
    static let huggingFaceNames = ["gemma2", "Gemma2ForCausalLM"]
    static let ggufNames = ["gemma2"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Gemma.describe(v, family: "gemma2", localPattern: { ($0 + 1) % 2 != 0 })
        let rotary = try v.rotary(headDim: d.config.headDim, defaultBase: 10_000)
        d.config.ropeTheta = Float(rotary.base)
        for l in 0..<d.layers.count { d.layers[l].rotary = rotary }
        return d
    }

    static let huggingFaceNaming = HuggingFaceNames.sandwich
}

/// Gemma 3 (text): Gemma 2's block without soft-capping by default, RMSNorm (1 + w) of each query
/// and key head, 5 local : 1 global layers, local layers with their own rope base (10,000) and
/// global ones with `rope_theta` and their scaling.
enum Gemma3: ArchitectureFamily {
    static let huggingFaceNames = ["gemma3_text", "Gemma3ForCausalLM"]
    static let ggufNames = ["gemma3"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        let pattern = try v.optionalInt(hf: "sliding_window_pattern") ?? 6
        guard pattern >= 1 else { throw ModelError("\(v.file): sliding_window_pattern \(pattern) must be at least 1") }
        var d = try Gemma.describe(v, family: "gemma3", localPattern: { ($0 + 1) % pattern != 0 })
        d.block.qkNorm = .perHead
        let headDim = d.config.headDim
        let global: RotarySpec, local: RotarySpec
        if v.isGGUF {
            // llama.cpp: the file's base and scaling for global layers; `rope.freq_base_swa`
            // (10,000 when absent) unscaled for local ones.
            global = try v.rotary(headDim: headDim, defaultBase: 1_000_000)
            local = RotarySpec(base: try v.optionalDouble(hf: nil, gguf: "rope.freq_base_swa") ?? 10_000, dimensions: global.dimensions)
        } else {
            global = try v.rotary(layerType: "full_attention", headDim: headDim, defaultBase: 1_000_000)
            let localBase = try v.optionalDouble(hf: "rope_local_base_freq")
            let nested = try v.object(hf: "rope_parameters")?.object(hf: "sliding_attention") != nil
            local = nested ? try v.rotary(layerType: "sliding_attention", headDim: headDim, defaultBase: 10_000)
                           : try v.rotary(headDim: headDim, defaultBase: 10_000, baseOverride: localBase ?? 10_000, plain: true)
        }
        d.config.ropeTheta = Float(global.base)
        for l in 0..<d.layers.count { d.layers[l].rotary = d.layers[l].window == nil ? global : local }
        return d
    }

    static let huggingFaceNaming = HuggingFaceNames.sandwich
}

/// Gemma 3 4B / 12B / 27B as published: `Gemma3ForConditionalGeneration`, a vision tower beside
/// the Gemma 3 text model. rat runs the text model: its config is `text_config` (missing keys take
/// transformers' `Gemma3TextConfig` defaults, as the published configs rely on), its tensors sit
/// under `language_model.model.` (as checkpoints are saved) or `model.language_model.`
/// (transformers 5 in memory). GGUF conversions of these are plain `gemma3`.
enum Gemma3Multimodal: ArchitectureFamily {
    static let huggingFaceNames = ["gemma3", "Gemma3ForConditionalGeneration"]
    static let ggufNames: [String] = []

    /// `Gemma3TextConfig`'s defaults (transformers 5.24) for the keys the published configs omit.
    static var textDefaults: [String: Any] { [
        "vocab_size": 262_208, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
        "rms_norm_eps": 1e-6, "query_pre_attn_scalar": 256, "sliding_window": 4096, "max_position_embeddings": 131_072,
        "hidden_activation": "gelu_pytorch_tanh", "rope_theta": 1_000_000.0, "rope_local_base_freq": 10_000.0,
        "tie_word_embeddings": true,
    ] }

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        guard let text = try v.object(hf: "text_config") else {
            throw ModelError("\(v.file): a Gemma 3 multimodal config without \"text_config\"")
        }
        var json = textDefaults
        for (key, value) in text.json { json[key] = value }
        if json["tie_word_embeddings"] == nil, let tied = v.json["tie_word_embeddings"] { json["tie_word_embeddings"] = tied }
        return try Gemma3.describe(ConfigValues(json: json, file: v.file))
    }

    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        guard var s = HuggingFaceNames.sandwich(role, layer: layer) else { return nil }
        let saved = store.contains("language_model.model.embed_tokens.weight")
        if role == .output {
            s.name = saved ? "language_model.lm_head.weight" : "lm_head.weight"
        } else {
            s.name = (saved ? "language_model.model." : "model.language_model.") + s.name.dropFirst("model.".count)
        }
        return s
    }
}

/// What Gemma 2 and 3 share.
enum Gemma {
    static func describe(_ v: ConfigValues, family: String, localPattern: @escaping (Int) -> Bool) throws -> ArchitectureDescription {
        var c = try v.standardSizes(family: family, defaultTied: true, defaultEpsilon: 1e-6)
        let activation = try v.optionalString(hf: "hidden_activation") ?? v.optionalString(hf: "hidden_act") ?? "gelu_pytorch_tanh"
        let act: Activation
        switch activation {
        case "gelu_pytorch_tanh", "gelu_new", "gelu_fast": act = .geluTanh
        case "gelu": act = .gelu
        default: throw ModelError("\(v.file): hidden activation \"\(activation)\" is not supported (rat implements gelu_pytorch_tanh, gelu)")
        }
        // llama.cpp has no key for query_pre_attn_scalar; its Gemma graphs scale by head_dim^-½.
        let scalar = try v.optionalDouble(hf: "query_pre_attn_scalar", gguf: "attention.query_pre_attn_scalar") ?? Double(c.headDim)
        guard scalar > 0 else { throw ModelError("\(v.file): query_pre_attn_scalar \(scalar) must be positive") }
        c.tiedEmbeddings = try v.tied(default: true)
        var block = BlockSpec(
            norm: v.isGGUF ? .rms : .rmsPlusOne, normEpsilon: c.rmsNormEpsilon, normPlacement: .sandwich,
            positions: .rotary(pairing: .halves), attentionScale: Float(1 / scalar.squareRoot()),
            mlp: .gated(act, bias: false), embeddingScale: Float(c.hiddenSize).squareRoot())
        block.attentionSoftcap = try v.optionalDouble(hf: "attn_logit_softcapping", gguf: "attn_logit_softcapping").map(Float.init)
        block.finalLogitSoftcap = try v.optionalDouble(hf: "final_logit_softcapping", gguf: "final_logit_softcapping").map(Float.init)
        let windows = try v.layerWindows(count: c.layerCount, defaultPattern: localPattern)
        return ArchitectureDescription(family: family, config: c, block: block,
                                       layers: windows.map { LayerSpec(window: $0, rotary: nil) })
    }
}
