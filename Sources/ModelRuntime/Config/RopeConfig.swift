import GGUF

/// Reading rotary settings: HF `rope_parameters` (transformers 5; flat, or one dict per layer type)
/// or `rope_theta` + `rope_scaling` (transformers 4); GGUF `<arch>.rope.*` keys and llama.cpp's
/// factor tensors.
extension ConfigValues {
    static let supportedRopeTypes = "default, linear, dynamic, llama3, yarn, longrope"

    /// The rotary spec of the layers of `layerType` (Gemma 3's "full_attention" / "sliding_attention"),
    /// or of every layer. `baseOverride` takes precedence over the file's base (Gemma 3's local layers
    /// in a transformers 4 config).
    func rotary(layerType: String? = nil, headDim: Int, defaultBase: Double, baseOverride: Double? = nil,
                plain: Bool = false) throws -> RotarySpec {
        isGGUF ? try ggufRotary(headDim: headDim, defaultBase: baseOverride ?? defaultBase, plain: plain)
               : try huggingFaceRotary(layerType: layerType, headDim: headDim, defaultBase: defaultBase, baseOverride: baseOverride, plain: plain)
    }

    private func huggingFaceRotary(layerType: String?, headDim: Int, defaultBase: Double, baseOverride: Double?, plain: Bool) throws -> RotarySpec {
        var params = try object(hf: "rope_parameters")
        if let layerType, let nested = try params?.object(hf: layerType) { params = nested }
        else if params != nil, params?.keys.contains("rope_theta") == false, params?.keys.contains("rope_type") == false,
                let first = params?.keys.sorted().first, (try? params?.object(hf: first)) != nil, layerType == nil {
            throw ModelError("\(file): rope_parameters are per layer type (\(params!.keys.sorted().joined(separator: ", "))), which this family does not use")
        }
        if params == nil { params = try object(hf: "rope_scaling") }
        if plain { params = nil }
        let base = try baseOverride ?? params?.optionalDouble(hf: "rope_theta") ?? optionalDouble(hf: "rope_theta") ?? defaultBase
        let partial = try params?.optionalDouble(hf: "partial_rotary_factor") ?? optionalDouble(hf: "partial_rotary_factor") ?? 1
        let dims = Int(Double(headDim) * partial)
        let kind = try params?.optionalString(hf: "rope_type") ?? params?.optionalString(hf: "type") ?? "default"
        let maxPositions = try optionalInt(hf: "max_position_embeddings") ?? 0
        func original() throws -> Int {
            // Phi-3 keeps it at the top level, which transformers prefers.
            try optionalInt(hf: "original_max_position_embeddings") ?? params?.optionalInt(hf: "original_max_position_embeddings") ?? maxPositions
        }
        func factor() throws -> Double {
            guard let f = try params?.optionalDouble(hf: "factor") else { throw ModelError("\(file): rope scaling \"\(kind)\" without a factor") }
            guard f.isFinite, f > 0 else { throw ModelError("\(file): rope scaling factor \(f) must be positive") }
            return f
        }
        let scaling: RopeScaling
        switch kind {
        case "default": scaling = .none
        case "linear": scaling = .linear(factor: try factor())
        case "dynamic": scaling = .dynamic(factor: try factor(), maxPositions: maxPositions)
        case "llama3":
            guard let low = try params?.optionalDouble(hf: "low_freq_factor"), let high = try params?.optionalDouble(hf: "high_freq_factor"),
                  high != low else {
                throw ModelError("\(file): llama3 rope scaling needs distinct low_freq_factor and high_freq_factor")
            }
            scaling = .llama3(factor: try factor(), lowFrequencyFactor: low, highFrequencyFactor: high,
                              originalMaxPositions: Double(try original()))
        case "yarn":
            let o = try original()
            let f = try params?.optionalDouble(hf: "factor") ?? (o > 0 ? Double(maxPositions) / Double(o) : 1)
            var y = RopeScaling.Yarn(factor: f, originalMaxPositions: o)
            if let v = try params?.optionalDouble(hf: "beta_fast"), v != 0 { y.betaFast = v }
            if let v = try params?.optionalDouble(hf: "beta_slow"), v != 0 { y.betaSlow = v }
            y.attentionFactor = try params?.optionalDouble(hf: "attention_factor")
            y.mscale = try params?.optionalDouble(hf: "mscale")
            y.mscaleAllDimensions = try params?.optionalDouble(hf: "mscale_all_dim")
            y.truncate = try params?.optionalBool(hf: "truncate") ?? true
            guard o > 0 else { throw ModelError("\(file): yarn rope scaling without original_max_position_embeddings") }
            scaling = .yarn(y)
        case "longrope":
            let o = try original()
            guard let short = try params?.optionalNumbers(hf: "short_factor"), let long = try params?.optionalNumbers(hf: "long_factor"), o > 0 else {
                throw ModelError("\(file): longrope scaling needs short_factor, long_factor and original_max_position_embeddings")
            }
            let f = try params?.optionalDouble(hf: "factor") ?? Double(maxPositions) / Double(o)
            scaling = .longrope(.init(shortFactor: short.map(Float.init), longFactor: long.map(Float.init), originalMaxPositions: o,
                                      factor: f, attentionFactor: try params?.optionalDouble(hf: "attention_factor")))
        default:
            throw ModelError("\(file): rope scaling \"\(kind)\" is not supported (rat implements: \(Self.supportedRopeTypes))")
        }
        return RotarySpec(base: base, dimensions: dims, scaling: scaling)
    }

    private func ggufRotary(headDim: Int, defaultBase: Double, plain: Bool) throws -> RotarySpec {
        let base = try optionalDouble(hf: nil, gguf: "rope.freq_base") ?? defaultBase
        let dims = try optionalInt(hf: nil, gguf: "rope.dimension_count") ?? headDim
        if plain { return RotarySpec(base: base, dimensions: dims) }
        let kind = try optionalString(hf: nil, gguf: "rope.scaling.type") ?? "none"
        let original = try optionalInt(hf: nil, gguf: "rope.scaling.original_context_length") ?? 0
        let factor = try optionalDouble(hf: nil, gguf: "rope.scaling.factor") ?? 1
        var scaling: RopeScaling
        switch kind {
        case "none": scaling = .none
        case "linear": scaling = factor == 1 ? .none : .linear(factor: factor)
        case "yarn":
            guard original > 0 else { throw ModelError("\(file): yarn rope scaling without rope.scaling.original_context_length") }
            var y = RopeScaling.Yarn(factor: factor, originalMaxPositions: original)
            y.attentionFactor = try optionalDouble(hf: nil, gguf: "rope.scaling.attn_factor")
            scaling = .yarn(y)
        default:
            throw ModelError("\(file): rope scaling \"\(kind)\" is not supported in GGUF files (rat implements: none, linear, yarn, and the rope_freqs / rope_factors tensors)")
        }
        if let factors = try tensorFloats("rope_freqs.weight") { scaling = .frequencyFactors(factors) }
        if let long = try tensorFloats("rope_factors_long.weight") {
            guard let short = try tensorFloats("rope_factors_short.weight"), original > 0 else {
                throw ModelError("\(file): rope_factors_long without rope_factors_short or rope.scaling.original_context_length")
            }
            let context = try optionalInt(hf: nil, gguf: "context_length") ?? original
            scaling = .longrope(.init(shortFactor: short, longFactor: long, originalMaxPositions: original,
                                      factor: Double(context) / Double(original),
                                      attentionFactor: try optionalDouble(hf: nil, gguf: "rope.scaling.attn_factor")))
        }
        return RotarySpec(base: base, dimensions: dims, scaling: scaling)
    }

    /// A small GGUF tensor (rope factors) as float32, nil when absent.
    func tensorFloats(_ name: String) throws -> [Float]? {
        guard let gguf, gguf.tensor(named: name) != nil else { return nil }
        return try GGUFWeights(gguf).tensor(name).floats()
    }
}
