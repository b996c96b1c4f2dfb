/// The shape of a decoder-only transformer, whatever file it came from.
public struct ModelConfig: Sendable, Equatable, CustomStringConvertible {
    /// The architecture's name as the file gives it (`llama`, `qwen2`, `LlamaForCausalLM`, ...).
    public var architecture: String
    public var layerCount: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var vocabularySize: Int
    public var rmsNormEpsilon: Float
    public var ropeTheta: Float
    public var tiedEmbeddings: Bool
    /// q, k, v projections carry biases (Qwen2).
    public var attentionBias: Bool

    public var description: String {
        "\(architecture): \(layerCount) layers, hidden \(hiddenSize), \(headCount) heads (\(kvHeadCount) KV) of \(headDim), intermediate \(intermediateSize), vocabulary \(vocabularySize), rope θ \(ropeTheta), eps \(rmsNormEpsilon)\(tiedEmbeddings ? ", tied embeddings" : "")"
    }

    /// Checks the sizes fit together; a malformed file gets a clear error instead of a crash later.
    func validate(file: String) throws(ModelError) {
        func fail(_ m: String) -> ModelError { ModelError("\(file): \(m)") }
        guard layerCount >= 1, hiddenSize >= 1, intermediateSize >= 1, headCount >= 1, kvHeadCount >= 1, headDim >= 2,
              vocabularySize >= 1
        else { throw fail("invalid model sizes: \(description)") }
        guard headCount % kvHeadCount == 0 else {
            throw fail("\(headCount) attention heads cannot share \(kvHeadCount) key/value heads evenly")
        }
        guard headDim % 2 == 0 else { throw fail("head dimension \(headDim) is odd; rotary embeddings need pairs") }
        guard rmsNormEpsilon.isFinite, rmsNormEpsilon >= 0, ropeTheta.isFinite, ropeTheta > 0 else {
            throw fail("invalid rms_norm_eps \(rmsNormEpsilon) or rope_theta \(ropeTheta)")
        }
    }
}

/// A model that cannot be loaded or run: names the file and, where known, the tensor.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
