/// One model family: how to read its config (both formats) and what its tensors are called.
/// Adding a family is one file conforming to this plus one line in `ArchitectureRegistry`.
protocol ArchitectureFamily: SendableMetatype {
    /// HuggingFace `model_type` values (and `architectures` class names) of the family.
    static var huggingFaceNames: [String] { get }
    /// GGUF `general.architecture` values.
    static var ggufNames: [String] { get }
    /// The sizes, block and per-layer specs, from config.json or GGUF metadata.
    static func describe(_ values: ConfigValues) throws -> ArchitectureDescription
    /// HuggingFace names by role (default: Llama's), for families whose `source` is the default.
    static var huggingFaceNaming: @Sendable (TensorRole, Int) -> TensorSource? { get }
    /// Where each role's tensor is in this format; nil = the family has no such tensor.
    /// `store` tells prefixes apart where checkpoints differ (GPT-2's `transformer.`).
    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource?
}

extension ArchitectureFamily {
    static var huggingFaceNaming: @Sendable (TensorRole, Int) -> TensorSource? { HuggingFaceNames.llama }

    /// llama.cpp names every architecture's tensors alike (`TensorRole.ggufSource`); HuggingFace
    /// families mostly follow Llama's names.
    static func source(_ role: TensorRole, layer: Int, _ d: ArchitectureDescription, format: ConfigValues.Format,
                       store: WeightStore) -> TensorSource? {
        format == .gguf ? role.ggufSource(layer: layer) : huggingFaceNaming(role, layer)
    }
}

/// Everything the forward pass needs to know about a model besides its weights.
public struct ArchitectureDescription: Sendable, Equatable {
    /// The family's name (`llama`, `gemma3`, ...).
    public var family: String
    /// The model's sizes: layers, hidden width, heads, vocabulary.
    public var config: ModelConfig
    /// What every block computes; what differs from layer to layer is in `layers`.
    public var block: BlockSpec
    /// One entry per layer.
    public var layers: [LayerSpec]

    /// Checks that the specs fit the sizes (the config's own checks come first).
    func validate(file: String) throws {
        try config.validate(file: file)
        guard layers.count == config.layerCount else {
            throw ModelError("\(file): \(layers.count) per-layer settings for \(config.layerCount) layers")
        }
        for (i, layer) in layers.enumerated() {
            if let window = layer.window, window < 1 {
                throw ModelError("\(file): layer \(i) has sliding window \(window); it must be at least 1")
            }
            if let rotary = layer.rotary {
                try rotary.validate(file: file)
                guard rotary.dimensions <= config.headDim else {
                    throw ModelError("\(file): layer \(i) rotates \(rotary.dimensions) dimensions of heads of \(config.headDim)")
                }
            }
        }
        if case .experts(let r) = block.mlp {
            guard r.count >= 1, r.topK >= 1, r.topK <= r.count, r.intermediateSize >= 1 else {
                throw ModelError("\(file): invalid experts: \(r.topK) of \(r.count), intermediate \(r.intermediateSize)")
            }
        }
        guard block.attentionScale.isFinite, block.attentionScale > 0, block.normEpsilon.isFinite, block.normEpsilon >= 0 else {
            throw ModelError("\(file): invalid attention scale \(block.attentionScale) or norm epsilon \(block.normEpsilon)")
        }
        for (name, cap) in [("attention", block.attentionSoftcap), ("final logit", block.finalLogitSoftcap)] {
            if let cap, !(cap.isFinite && cap > 0) { throw ModelError("\(file): invalid \(name) softcapping \(cap)") }
        }
    }

    /// Every role a layer reads, with the shape it must have (PyTorch order, after any transpose).
    func roles(layer l: Int) -> [(TensorRole, [Int])] {
        let c = config, b = block, hidden = c.hiddenSize
        let q = c.headCount * c.headDim, kv = c.kvHeadCount * c.headDim
        var out: [(TensorRole, [Int])] = []
        let bias = b.norm == .layerNorm
        if b.normPlacement.attentionInput {
            out.append((.attentionNorm, [hidden]))
            if bias { out.append((.attentionNormBias, [hidden])) }
        }
        out += [(.query, [q, hidden]), (.key, [kv, hidden]), (.value, [kv, hidden])]
        if b.attentionBias { out += [(.queryBias, [q]), (.keyBias, [kv]), (.valueBias, [kv])] }
        switch b.qkNorm {
        case .none: break
        case .perHead: out += [(.queryNorm, [c.headDim]), (.keyNorm, [c.headDim])]
        case .wholeProjection: out += [(.queryNorm, [q]), (.keyNorm, [kv])]
        }
        out.append((.attentionOutput, [hidden, q]))
        if b.outputBias { out.append((.attentionOutputBias, [hidden])) }
        if b.normPlacement.attentionOutput { out.append((.attentionPostNorm, [hidden])) }
        if b.normPlacement.mlpInput {
            out.append((.mlpNorm, [hidden]))
            if bias { out.append((.mlpNormBias, [hidden])) }
        }
        switch b.mlp {
        case .gated(_, let mlpBias):
            out += [(.gate, [c.intermediateSize, hidden]), (.up, [c.intermediateSize, hidden]), (.down, [hidden, c.intermediateSize])]
            if mlpBias { out += [(.gateBias, [c.intermediateSize]), (.upBias, [c.intermediateSize]), (.downBias, [hidden])] }
        case .plain(_, let mlpBias):
            out += [(.up, [c.intermediateSize, hidden]), (.down, [hidden, c.intermediateSize])]
            if mlpBias { out += [(.upBias, [c.intermediateSize]), (.downBias, [hidden])] }
        case .experts(let r):
            if layers[l].routedExperts {
                out.append((.router, [r.count, hidden]))
                for e in 0..<r.count {
                    out += [(.expertGate(e), [r.intermediateSize, hidden]), (.expertUp(e), [r.intermediateSize, hidden]),
                            (.expertDown(e), [hidden, r.intermediateSize])]
                }
            } else {
                out += [(.gate, [c.intermediateSize, hidden]), (.up, [c.intermediateSize, hidden]), (.down, [hidden, c.intermediateSize])]
            }
        }
        if b.normPlacement.mlpOutput { out.append((.mlpPostNorm, [hidden])) }
        return out
    }

    /// The model-level roles with their shapes (the LM head only when not tied).
    var modelRoles: [(TensorRole, [Int])] {
        let c = config
        var out: [(TensorRole, [Int])] = [(.tokenEmbedding, [c.vocabularySize, c.hiddenSize]), (.finalNorm, [c.hiddenSize])]
        if block.norm == .layerNorm { out.append((.finalNormBias, [c.hiddenSize])) }
        if block.positions == .learned { out.append((.positionEmbedding, [c.maxPositions, c.hiddenSize])) }
        if !c.tiedEmbeddings { out.append((.output, [c.vocabularySize, c.hiddenSize])) }
        return out
    }

    /// A multi-line account for `rat inspect`: the block, then the layers (runs of equal ones folded).
    public var summary: [String] {
        let b = block
        var lines = [
            "norm:          \(b.norm), ε \(b.normEpsilon), \(b.normPlacement)",
            "attention:     scale \(b.attentionScale)\(b.attentionBias ? ", q/k/v biases" : "")\(b.outputBias ? ", output bias" : "")\(b.qkNorm == .none ? "" : ", q/k norm: \(b.qkNorm)")\(b.attentionSoftcap.map { ", softcap \($0)" } ?? "")",
            "positions:     \(b.positions)",
            "MLP:           \(b.mlp)",
        ]
        if let s = b.embeddingScale { lines.append("embeddings:    scaled by \(s)") }
        if let s = b.finalLogitSoftcap { lines.append("logits:        softcap \(s)") }
        var start = 0
        for i in 1...layers.count where i == layers.count || layers[i] != layers[start] {
            let range = i - 1 == start ? "\(start)" : "\(start)-\(i - 1)"
            lines.append("layer \(range):".padding(toLength: 15, withPad: " ", startingAt: 0) + layers[start].description)
            start = i
        }
        return lines
    }
}
