import Foundation
import GGUF

/// One layer's attention probabilities: `heads` blocks of `[size][size]`, row-major
/// (`heads == 1` when aggregated). Row `q` is the softmax over key positions `0...q`.
public struct AttentionCapture: Sendable {
    /// Resolved (non-negative) layer index.
    public let layer: Int
    public let heads: Int
    public let size: Int
    public let values: [Float]
    public let aggregation: HeadAggregation
}

/// A decoder-only language model loaded from a file, run on the CPU one sequence at a time.
public final class CausalLanguageModel: @unchecked Sendable {
    public let config: ModelConfig
    /// Where the weights came from.
    public let path: String
    let weights: WeightStore
    let names: TensorNames
    /// llama.cpp stores Llama's q/k rows permuted so that rotary pairs are adjacent `(2i, 2i+1)`;
    /// HuggingFace pairs `(i, i + d/2)`. Attention is the same either way.
    let interleavedRotary: Bool
    /// The GGUF file, when the model came from one (its metadata also holds the tokenizer).
    public let gguf: GGUFFile?
    /// Float32 views of the weights the forward pass multiplies with.
    let floatWeights: FloatWeights
    /// Whether dequantized weights are kept between passes (from the second pass on with
    /// `automatic`; see `WeightResidency`).
    public var keepsDequantizedWeights: Bool { floatWeights.keepsDequantized }
    /// Bytes of dequantized weights held now.
    public var keptWeightBytes: Int { floatWeights.keptBytes }
    /// Bytes the layers' weights take dequantized to float32 (float32 tensors are read in place).
    public var dequantizedWeightBytes: Int { floatWeights.dequantizedBytes }
    /// Threads for this model's passes; nil = `setComputeThreads`'s count, else one per core.
    /// Results do not depend on it beyond float rounding.
    public var threads: Int?

    /// How the model was found (for `rat inspect` and progress messages).
    public let origin: String

    /// Loads a model from a GGUF file, a HuggingFace folder, or a repo id in the local
    /// HuggingFace cache (see `ModelLocator`).
    public convenience init(path: String, residency: WeightResidency = .automatic) throws(ModelError) {
        let (location, origin) = try ModelLocator.locate(path)
        try self.init(location, origin: origin, residency: residency)
    }

    public init(_ location: ModelLocator.Location, origin: String, residency: WeightResidency = .automatic) throws(ModelError) {
        self.origin = origin
        try BLAS.load()
        switch location {
        case .gguf(let url):
            let file: GGUFFile
            do { file = try GGUFFile(path: url.path) } catch { throw ModelError(error.description) }
            let architecture = file["general.architecture"]?.stringValue ?? "(none)"
            switch architecture {
            case "llama":
                config = try Llama.config(gguf: file)
                interleavedRotary = true
            case "qwen2":
                config = try Qwen2.config(gguf: file)
                interleavedRotary = false
            default:
                throw ModelError("\(url.path): unsupported architecture \"\(architecture)\" (rat runs: llama, qwen2)")
            }
            path = url.path
            gguf = file
            weights = GGUFWeights(file)
            names = .gguf(tied: config.tiedEmbeddings)
        case .huggingFaceFolder(let folder):
            let configFile = folder.appendingPathComponent("config.json")
            let hf = try HuggingFaceConfig.load(configFile)
            switch hf.family {
            case "llama": config = try Llama.config(huggingFace: hf, file: configFile.path)
            case "qwen2": config = try Qwen2.config(huggingFace: hf, file: configFile.path)
            default:
                throw ModelError("\(configFile.path): unsupported architecture \"\(hf.architectures?.first ?? hf.family)\" (rat runs: LlamaForCausalLM, Qwen2ForCausalLM)")
            }
            interleavedRotary = false
            path = folder.path
            gguf = nil
            weights = try SafetensorsWeights(folder: folder)
            names = .huggingFace(tied: config.tiedEmbeddings)
        }
        try config.validate(file: path)
        try Self.checkTensors(weights, names, config)
        floatWeights = try FloatWeights(store: weights, names: names, config: config, residency: residency)
    }

    /// Every tensor the forward pass will read exists with the expected shape.
    private static func checkTensors(_ weights: WeightStore, _ names: TensorNames, _ c: ModelConfig) throws(ModelError) {
        let q = c.headCount * c.headDim, kv = c.kvHeadCount * c.headDim
        try weights.tensor(names.embedding).expect([c.vocabularySize, c.hiddenSize])
        try weights.tensor(names.finalNorm).expect([c.hiddenSize])
        if let output = names.output { try weights.tensor(output).expect([c.vocabularySize, c.hiddenSize]) }
        for l in 0..<c.layerCount {
            let n = names.layer(l)
            try weights.tensor(n.attentionNorm).expect([c.hiddenSize])
            try weights.tensor(n.query).expect([q, c.hiddenSize])
            try weights.tensor(n.key).expect([kv, c.hiddenSize])
            try weights.tensor(n.value).expect([kv, c.hiddenSize])
            try weights.tensor(n.attentionOutput).expect([c.hiddenSize, q])
            try weights.tensor(n.mlpNorm).expect([c.hiddenSize])
            try weights.tensor(n.gate).expect([c.intermediateSize, c.hiddenSize])
            try weights.tensor(n.up).expect([c.intermediateSize, c.hiddenSize])
            try weights.tensor(n.down).expect([c.hiddenSize, c.intermediateSize])
            if c.attentionBias {
                try weights.tensor(n.queryBias).expect([q])
                try weights.tensor(n.keyBias).expect([kv])
                try weights.tensor(n.valueBias).expect([kv])
            }
        }
    }

    /// Resolves a layer index (negative counts from the end).
    public func resolveLayer(_ layer: Int) throws(ModelError) -> Int {
        let resolved = layer < 0 ? config.layerCount + layer : layer
        guard resolved >= 0 && resolved < config.layerCount else {
            throw ModelError("layer \(layer) out of range: the model has \(config.layerCount) layers (0...\(config.layerCount - 1), or -1...-\(config.layerCount))")
        }
        return resolved
    }

    /// The attention probabilities of one layer for `ids`, computing only what that needs:
    /// layers up to `layer`, positions up to `lastPosition` (later positions cannot change
    /// earlier rows of a causal model), no LM head.
    /// `attentionMask` (one entry per id, false = padding) hides padded keys from every query,
    /// as transformers does with a 2-D attention mask.
    public func attention(
        ids: [Int], layer: Int = -1, aggregation: HeadAggregation = .mean, lastPosition: Int? = nil,
        attentionMask: [Bool]? = nil
    ) throws(ModelError) -> AttentionCapture {
        let resolved = try resolveLayer(layer)
        let count = try validatedLength(ids, lastPosition: lastPosition)
        if let attentionMask, attentionMask.count != ids.count {
            throw ModelError("attention mask has \(attentionMask.count) entries for \(ids.count) tokens")
        }
        let mask = attentionMask.flatMap { $0.allSatisfy { $0 } ? nil : $0 }
        let pass = try ForwardPass(model: self, ids: Array(ids.prefix(count)), attentionMask: mask)
        return try pass.run(captureLayer: resolved, aggregation: aggregation)
    }

    /// Attention of every layer (each aggregated or per head), in one pass.
    public func allLayerAttention(
        ids: [Int], aggregation: HeadAggregation = .mean, lastPosition: Int? = nil
    ) throws(ModelError) -> [AttentionCapture] {
        let count = try validatedLength(ids, lastPosition: lastPosition)
        let pass = try ForwardPass(model: self, ids: Array(ids.prefix(count)))
        return try pass.runAllLayers(aggregation: aggregation)
    }

    /// Final hidden states `[seq][hidden]` (after the final norm) and logits `[seq][vocab]`.
    public func forward(ids: [Int]) throws(ModelError) -> (hiddenStates: [Float], logits: [Float]) {
        _ = try validatedLength(ids, lastPosition: nil)
        let pass = try ForwardPass(model: self, ids: ids)
        return try pass.runToLogits()
    }

    private func validatedLength(_ ids: [Int], lastPosition: Int?) throws(ModelError) -> Int {
        guard !ids.isEmpty else { throw ModelError("no token ids: the sequence is empty") }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError("token id \(bad) out of range: the vocabulary has \(config.vocabularySize) tokens")
        }
        let last = lastPosition.map { $0 < 0 ? ids.count + $0 : $0 } ?? ids.count - 1
        guard last >= 0 && last < ids.count else {
            throw ModelError("last position \(lastPosition!) out of range for \(ids.count) tokens")
        }
        return last + 1
    }
}
