/// Llama 2/3/3.1/3.2/3.3, TinyLlama, SmolLM2: RMSNorm, rotary embeddings (with `linear`, `dynamic`,
/// `llama3` or `yarn` scaling), grouped-query attention, SwiGLU MLP; `attention_bias` puts biases on
/// q, k, v and o, `mlp_bias` on the MLP. llama.cpp's converter permutes q/k rows so that rotary
/// pairs are adjacent, and writes Mistral and Mixtral as `llama` too (experts when
/// `llama.expert_count` is set).
enum Llama: ArchitectureFamily {
    static let huggingFaceNames = ["llama", "LlamaForCausalLM"]
    static let ggufNames = ["llama"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        if v.isGGUF, let experts = try v.optionalInt(hf: nil, gguf: "expert_count"), experts > 0 {
            return try Mixtral.describe(v)
        }
        return try describe(v, family: "llama", defaultTied: false)
    }

    /// The Llama block as several families share it (Mistral, SmolLM3, Qwen2, Qwen3 adjust it).
    static func describe(_ v: ConfigValues, family: String, defaultTied: Bool, defaultBase: Double = 10_000,
                         bias: Bool? = nil, pairing: RotaryPairing? = nil) throws -> ArchitectureDescription {
        var c = try v.standardSizes(family: family, defaultTied: defaultTied, defaultEpsilon: 1e-6)
        // GGUF has no keys for biases: the tensors are there or not.
        let attentionBias = try bias ?? v.optionalBool(hf: "attention_bias") ?? v.hasTensor("blk.0.attn_q.bias")
        let outputBias = bias == nil && (v.isGGUF ? v.hasTensor("blk.0.attn_output.bias") : attentionBias)
        let mlpBias = try v.optionalBool(hf: "mlp_bias") ?? v.hasTensor("blk.0.ffn_up.bias")
        c.attentionBias = attentionBias
        let rotary = try v.rotary(headDim: c.headDim, defaultBase: defaultBase)
        c.ropeTheta = Float(rotary.base)
        let block = BlockSpec(
            normEpsilon: c.rmsNormEpsilon,
            positions: .rotary(pairing: pairing ?? (v.isGGUF ? .interleaved : .halves)),
            attentionBias: attentionBias, outputBias: outputBias,
            attentionScale: 1 / Float(c.headDim).squareRoot(), mlp: .gated(.silu, bias: mlpBias))
        let windows = try v.layerWindows(count: c.layerCount)
        return ArchitectureDescription(
            family: family, config: c, block: block,
            layers: windows.map { LayerSpec(window: $0, rotary: rotary) })
    }
}

/// Mistral 7B: the Llama block with a sliding window on every layer (when `sliding_window` is set).
enum Mistral: ArchitectureFamily {
    static let huggingFaceNames = ["mistral", "MistralForCausalLM"]
    static let ggufNames: [String] = []  // llama.cpp writes Mistral as `llama`

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        try Llama.describe(v, family: "mistral", defaultTied: false)
    }
}

/// SmolLM3: the Llama block without rope on every `no_rope_layer_interval`-th layer.
enum SmolLM3: ArchitectureFamily {
    static let huggingFaceNames = ["smollm3", "SmolLM3ForCausalLM"]
    static let ggufNames = ["smollm3"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Llama.describe(v, family: "smollm3", defaultTied: true, defaultBase: 2_000_000)
        let count = d.config.layerCount
        var usesRope: [Bool]
        if let list = try v.optionalNumbers(hf: "no_rope_layers") {
            guard list.count == count else {
                throw ModelError("\(v.file): no_rope_layers has \(list.count) entries for \(count) layers")
            }
            usesRope = list.map { $0 != 0 }
        } else {
            let interval = try v.optionalInt(hf: "no_rope_layer_interval", gguf: "no_rope_layer_interval") ?? 4
            guard interval >= 1 else { throw ModelError("\(v.file): no_rope_layer_interval \(interval) must be at least 1") }
            usesRope = (0..<count).map { ($0 + 1) % interval != 0 }
        }
        for l in 0..<count where !usesRope[l] { d.layers[l].rotary = nil }
        return d
    }
}

extension ConfigValues {
    /// Each layer's sliding window: HF `layer_types` ("sliding_attention" layers get
    /// `sliding_window`), else `sliding_window` on every layer; GGUF `attention.sliding_window`
    /// on every layer unless the family sets a pattern.
    func layerWindows(count: Int, defaultPattern: ((Int) -> Bool)? = nil) throws -> [Int?] {
        let window = try slidingWindow()
        if let types = try optionalStrings(hf: "layer_types") {
            guard types.count == count else { throw ModelError("\(file): layer_types has \(types.count) entries for \(count) layers") }
            for t in types where t != "sliding_attention" && t != "full_attention" {
                throw ModelError("\(file): layer type \"\(t)\" is not supported (rat implements sliding_attention, full_attention)")
            }
            return types.map { $0 == "sliding_attention" ? window : nil }
        }
        if let defaultPattern { return (0..<count).map { defaultPattern($0) ? window : nil } }
        return Array(repeating: window, count: count)
    }
}
