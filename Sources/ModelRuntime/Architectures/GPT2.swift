import Foundation

/// GPT-2: LayerNorm with bias, learned positions, fused `c_attn`, Conv1D weights stored
/// `[in][out]`, a plain GELU (tanh) MLP with biases, tied embeddings. llama.cpp's converter
/// transposes the Conv1D weights.
enum GPT2: ArchitectureFamily {
    static let huggingFaceNames = ["gpt2", "GPT2LMHeadModel"]
    static let ggufNames = ["gpt2"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        let hidden = try v.int(hf: "n_embd", gguf: "embedding_length")
        let heads = try v.int(hf: "n_head", gguf: "attention.head_count")
        let inner = try v.optionalInt(hf: "n_inner", gguf: "feed_forward_length") ?? 4 * hidden
        let epsilon = try v.optionalDouble(hf: "layer_norm_epsilon", gguf: "attention.layer_norm_epsilon") ?? 1e-5
        let activation = try v.optionalString(hf: "activation_function") ?? "gelu_new"
        guard ["gelu_new", "gelu_pytorch_tanh", "gelu_fast"].contains(activation) || activation == "gelu" else {
            throw ModelError("\(v.file): activation_function \"\(activation)\" is not supported (rat implements gelu_new, gelu)")
        }
        if try v.optionalBool(hf: "scale_attn_by_inverse_layer_idx") == true {
            throw ModelError("\(v.file): scale_attn_by_inverse_layer_idx is not supported")
        }
        let scaled = try v.optionalBool(hf: "scale_attn_weights") ?? true
        let headDim = heads > 0 ? hidden / heads : 0
        let c = try ModelConfig(
            architecture: "gpt2", layerCount: try v.int(hf: "n_layer", gguf: "block_count"), hiddenSize: hidden,
            intermediateSize: inner, headCount: heads, kvHeadCount: heads, headDim: headDim,
            vocabularySize: try v.vocabularySize(), rmsNormEpsilon: Float(epsilon), ropeTheta: 0,
            tiedEmbeddings: try v.tied(default: true), attentionBias: true,
            maxPositions: try v.optionalInt(hf: "n_positions", gguf: "context_length") ?? 1024
        ).validated(file: v.file)
        let block = BlockSpec(
            norm: .layerNorm, normEpsilon: Float(epsilon), positions: .learned, attentionBias: true, outputBias: true,
            attentionScale: scaled ? 1 / Float(headDim).squareRoot() : 1,
            mlp: .plain(activation == "gelu" ? .gelu : .geluTanh, bias: true))
        return ArchitectureDescription(family: "gpt2", config: c, block: block,
                                       layers: Array(repeating: LayerSpec(rotary: nil), count: c.layerCount))
    }

    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        let hidden = d.config.hiddenSize
        let thirds = [0..<hidden, hidden..<2 * hidden, 2 * hidden..<3 * hidden]
        if format == .gguf {
            let qkv = TensorSource("blk.\(layer).attn_qkv.weight"), qkvBias = TensorSource("blk.\(layer).attn_qkv.bias")
            switch role {
            case .query, .key, .value: return qkv.slice(thirds[[.query, .key, .value].firstIndex(of: role)!], of: 3 * hidden)
            case .queryBias, .keyBias, .valueBias:
                return qkvBias.slice(thirds[[.queryBias, .keyBias, .valueBias].firstIndex(of: role)!], of: 3 * hidden)
            default: return role.ggufSource(layer: layer)
            }
        }
        // Checkpoints saved by GPT2LMHeadModel prefix "transformer."; the original ones do not.
        let root = store.contains("transformer.wte.weight") ? "transformer." : ""
        let p = "\(root)h.\(layer)."
        let attention = TensorSource(p + "attn.c_attn.weight", transposed: true), attentionBias = TensorSource(p + "attn.c_attn.bias")
        switch role {
        case .tokenEmbedding: return .init(root + "wte.weight")
        case .positionEmbedding: return .init(root + "wpe.weight")
        case .finalNorm: return .init(root + "ln_f.weight")
        case .finalNormBias: return .init(root + "ln_f.bias")
        case .output: return "lm_head.weight"
        case .attentionNorm: return .init(p + "ln_1.weight")
        case .attentionNormBias: return .init(p + "ln_1.bias")
        case .query, .key, .value: return attention.slice(thirds[[.query, .key, .value].firstIndex(of: role)!], of: 3 * hidden)
        case .queryBias, .keyBias, .valueBias:
            return attentionBias.slice(thirds[[.queryBias, .keyBias, .valueBias].firstIndex(of: role)!], of: 3 * hidden)
        case .attentionOutput: return .init(p + "attn.c_proj.weight", transposed: true)
        case .attentionOutputBias: return .init(p + "attn.c_proj.bias")
        case .mlpNorm: return .init(p + "ln_2.weight")
        case .mlpNormBias: return .init(p + "ln_2.bias")
        case .up: return .init(p + "mlp.c_fc.weight", transposed: true)
        case .upBias: return .init(p + "mlp.c_fc.bias")
        case .down: return .init(p + "mlp.c_proj.weight", transposed: true)
        case .downBias: return .init(p + "mlp.c_proj.bias")
        default: return nil
        }
    }
}
