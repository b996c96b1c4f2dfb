/// The sizes of a decoder-only transformer, whatever file it came from. What the blocks compute
/// is in `ArchitectureDescription` (`CausalLanguageModel.architecture`).
public struct ModelConfig: Sendable, Equatable, CustomStringConvertible {
    /// The family's name (`llama`, `qwen2`, `gemma3`, ...).
    public var architecture: String
    /// Number of transformer blocks (HF `num_hidden_layers`, GPT-2 `n_layer`; GGUF `<arch>.block_count`).
    public var layerCount: Int
    /// Width of the residual stream (HF `hidden_size`, GPT-2 `n_embd`; GGUF `<arch>.embedding_length`).
    public var hiddenSize: Int
    /// Inner width of the dense MLP (HF `intermediate_size`, GPT-2 `n_inner` or 4 × hidden; GGUF
    /// `<arch>.feed_forward_length`).
    public var intermediateSize: Int
    /// Number of query heads (HF `num_attention_heads`, GPT-2 `n_head`; GGUF
    /// `<arch>.attention.head_count`).
    public var headCount: Int
    /// Number of key/value heads, which groups of query heads share (HF `num_key_value_heads`, GGUF
    /// `<arch>.attention.head_count_kv`; equal to `headCount` when absent).
    public var kvHeadCount: Int
    /// Width of each head (HF `head_dim`, GGUF `<arch>.attention.key_length`; `hiddenSize /
    /// headCount` when absent).
    public var headDim: Int
    /// Rows of the token embedding (HF `vocab_size`; GGUF `<arch>.vocab_size`, else the number of
    /// `tokenizer.ggml.tokens`, else the embedding's size).
    public var vocabularySize: Int
    /// The norms' epsilon (RMSNorm or LayerNorm).
    public var rmsNormEpsilon: Float
    /// The rotary base of the global layers (0 without rotary embeddings).
    public var ropeTheta: Float
    /// Whether the LM head reuses the token embeddings (HF `tie_word_embeddings`, else the family's
    /// default; GGUF: the file has no `output.weight`).
    public var tiedEmbeddings: Bool
    /// q, k, v projections carry biases.
    public var attentionBias: Bool
    /// `max_position_embeddings` / `context_length` (GPT-2: `n_positions`, 1024 when absent); 0 when
    /// the file does not say and the family has no default.
    public var maxPositions: Int

    /// A config from its sizes, unchecked (loading a model validates it); `maxPositions` 0 means
    /// unknown.
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

    /// One line of the sizes, as `rat inspect` prints it.
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
    /// The whole message, as `description` shows it.
    public let message: String
    /// An error with `message` as its text.
    public init(_ message: String) { self.message = message }
    /// The message, as printed after `Error:`.
    public var description: String { message }
}

/// Runs code that throws untyped errors (config decoding uses `??` chains of throwing reads,
/// which typed throws cannot express) and passes its `ModelError` on.
func asModelError<T>(_ body: () throws -> T) throws(ModelError) -> T {
    do { return try body() } catch let error as ModelError { throw error } catch { throw ModelError("\(error)") }
}
