/// The sizes of a decoder-only transformer, whatever file it came from. What the blocks compute
/// is in `ArchitectureDescription` (`CausalLanguageModel.architecture`).
public struct ModelConfig: Sendable, Equatable, CustomStringConvertible {
    /// The family's name (`llama`, `qwen2`, `gemma3`, ...).
    public var architecture: String
    public var layerCount: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var headCount: Int
    public var kvHeadCount: Int
    public var headDim: Int
    public var vocabularySize: Int
    /// The norms' epsilon (RMSNorm or LayerNorm).
    public var rmsNormEpsilon: Float
    /// The rotary base of the global layers (0 without rotary embeddings).
    public var ropeTheta: Float
    public var tiedEmbeddings: Bool
    /// q, k, v projections carry biases.
    public var attentionBias: Bool
    /// `max_position_embeddings` / `context_length` (0 when the file does not say).
    public var maxPositions: Int

    public init(
        architecture: String, layerCount: Int, hiddenSize: Int, intermediateSize: Int, headCount: Int, kvHeadCount: Int,
        headDim: Int, vocabularySize: Int, rmsNormEpsilon: Float, ropeTheta: Float, tiedEmbeddings: Bool,
        attentionBias: Bool, maxPositions: Int = 0
    ) {
        self.architecture = architecture
        self.layerCount = layerCount
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.headCount = headCount
        self.kvHeadCount = kvHeadCount
        self.headDim = headDim
        self.vocabularySize = vocabularySize
        self.rmsNormEpsilon = rmsNormEpsilon
        self.ropeTheta = ropeTheta
        self.tiedEmbeddings = tiedEmbeddings
        self.attentionBias = attentionBias
        self.maxPositions = maxPositions
    }

    public var description: String {
        "\(architecture): \(layerCount) layers, hidden \(hiddenSize), \(headCount) heads (\(kvHeadCount) KV) of \(headDim), intermediate \(intermediateSize), vocabulary \(vocabularySize)\(ropeTheta > 0 ? ", rope θ \(ropeTheta)" : ""), eps \(rmsNormEpsilon)\(tiedEmbeddings ? ", tied embeddings" : "")"
    }

    /// The config, checked (see `validate`).
    func validated(file: String) throws(ModelError) -> ModelConfig {
        try validate(file: file)
        return self
    }

    /// Checks the sizes fit together; a malformed file gets a clear error instead of a crash later.
    func validate(file: String) throws(ModelError) {
        func fail(_ m: String) -> ModelError { ModelError("\(file): \(m)") }
        guard layerCount >= 1, hiddenSize >= 1, intermediateSize >= 1, headCount >= 1, kvHeadCount >= 1, headDim >= 1,
              vocabularySize >= 1, maxPositions >= 0
        else { throw fail("invalid model sizes: \(description)") }
        // Bounds that keep every buffer size far from overflow (the largest real models are far below).
        guard layerCount <= 4096, hiddenSize <= 1 << 17, intermediateSize <= 1 << 20, headCount <= 4096, headDim <= 4096,
              vocabularySize <= 1 << 24
        else { throw fail("implausible model sizes: \(description)") }
        guard headCount % kvHeadCount == 0 else {
            throw fail("\(headCount) attention heads cannot share \(kvHeadCount) key/value heads evenly")
        }
        guard rmsNormEpsilon.isFinite, rmsNormEpsilon >= 0, ropeTheta.isFinite, ropeTheta >= 0 else {
            throw fail("invalid norm epsilon \(rmsNormEpsilon) or rope_theta \(ropeTheta)")
        }
    }
}

/// A model that cannot be loaded or run: names the file and, where known, the tensor.
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs code that throws untyped errors (config decoding uses `??` chains of throwing reads,
/// which typed throws cannot express) and passes its `ModelError` on.
func asModelError<T>(_ body: () throws -> T) throws(ModelError) -> T {
    do { return try body() } catch let error as ModelError { throw error } catch { throw ModelError("\(error)") }
}
