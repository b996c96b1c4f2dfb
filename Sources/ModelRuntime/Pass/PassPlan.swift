/// What one forward pass computes: how deep it runs, which layers' attention it keeps, whether it
/// produces logits. `attention`, `allLayerAttention`, `forward` and generation steps are plans
/// over one layer loop.
public struct PassPlan: Sendable, Equatable {
    /// The last layer to run (negative counts from the end); nil = every layer.
    public var throughLayer: Int?
    /// Layers whose attention is kept, each with its head aggregation (negative counts from the end).
    public var captures: [Int: HeadAggregation]
    /// Which positions get logits; `.none` skips the final norm and the LM head.
    public var logits: LogitsRequest
    /// Layers whose rows' strongest predecessors are kept (mean and max), for the explorer page.
    public var candidates: CandidatePlan?
    /// The layer whose value-weighted attention is computed (`PassResult.valueNorm`); not a
    /// layer of `captures`, and no KV cache.
    public var valueNormLayer: Int?
    /// Keep the residual stream entering this layer (`PassResult.residual`), to re-run the
    /// layers from it later.
    public var residualLayer: Int?
    /// Start from a kept residual stream instead of the embeddings: layers before its layer are
    /// not run (their attention cannot be captured).
    public var resume: Residual?
    /// Query/key pairs that may not attend (`rat trace --verify`): −∞ before the softmax in
    /// every head of their layer, so the row renormalizes over its other keys.
    public var knockouts: [AttentionKnockout]

    /// A plan; by default it runs every layer from the embeddings, keeps nothing, and computes no
    /// logits.
    public init(
        throughLayer: Int? = nil, captures: [Int: HeadAggregation] = [:], logits: LogitsRequest = .none,
        candidates: CandidatePlan? = nil, valueNormLayer: Int? = nil, residualLayer: Int? = nil, resume: Residual? = nil,
        knockouts: [AttentionKnockout] = []
    ) {
        self.residualLayer = residualLayer
        self.resume = resume
        self.knockouts = knockouts
        self.throughLayer = throughLayer
        self.captures = captures
        self.logits = logits
        self.candidates = candidates
        self.valueNormLayer = valueNormLayer
    }

    /// One layer's attention and nothing after it (a trace).
    public static func attention(layer: Int, _ aggregation: HeadAggregation) -> PassPlan {
        PassPlan(throughLayer: layer, captures: [layer: aggregation])
    }
}

/// The residual stream `[positions][hidden]` entering a layer (after the layers before it).
public struct Residual: Sendable, Equatable {
    /// Resolved (non-negative) layer index.
    public let layer: Int
    /// The stream, `[positions][hidden]` row-major, in float32.
    public let values: [Float]

    /// The residual stream `values` entering layer `layer` (already resolved).
    public init(layer: Int, values: [Float]) {
        self.layer = layer
        self.values = values
    }
}

/// One attention edge knocked out: in `layer`, query position `query` does not attend key
/// position `key` in any head.
public struct AttentionKnockout: Sendable, Hashable, Codable {
    /// The layer in which the edge is cut (negative counts from the end).
    public let layer: Int
    /// The query position, 0-based within the pass's ids.
    public let query: Int
    /// The key position it may no longer attend to, at most `query`.
    public let key: Int

    /// Cuts the edge from `query` to `key` in every head of `layer`.
    public init(layer: Int, query: Int, key: Int) {
        self.layer = layer
        self.query = query
        self.key = key
    }
}

/// Which positions a pass computes logits for.
public enum LogitsRequest: Sendable, Equatable {
    /// No logits: the pass ends with its last layer, without the final norm and the LM head.
    case none
    /// The last position's logits only (generation: the LM head for one row).
    case lastPosition
    /// Every position's logits and final hidden states.
    case allPositions
}

/// What a pass returns.
public struct PassResult: Sendable {
    /// The captured layers' attention, in layer order.
    public var attention: [AttentionCapture]
    /// `[rows][vocabulary]`: one row for `.lastPosition`, every new position for `.allPositions`.
    public var logits: [Float]
    /// Final hidden states (after the final norm), `[rows][hidden]`, with `.allPositions`.
    public var hiddenStates: [Float]
    /// The new rows' candidates in the plan's candidate layers.
    public var candidates: AttentionCandidates?
    /// With `valueNormLayer`: N[i][j] = ‖Σ_h A_h[i][j] · v_j W_O^(h)‖₂, rows normalized to 1
    /// (Kobayashi et al. 2020), `heads == 1`.
    public var valueNorm: AttentionCapture? = nil
    /// With `residualLayer`: the residual stream entering it.
    public var residual: Residual? = nil
}

/// One layer's attention probabilities: `heads` blocks of `[rows][size]`, row-major
/// (`heads == 1` when aggregated). Row `r` is query position `firstRow + r`: the softmax over key
/// positions `0...firstRow + r`. A pass without a KV cache captures every row (`rows == size`).
public struct AttentionCapture: Sendable {
    /// Resolved (non-negative) layer index.
    public let layer: Int
    /// Blocks in `values`: the model's head count when `aggregation` is `.none`, else 1.
    public let heads: Int
    /// Key positions (the sequence so far).
    public let size: Int
    /// The probabilities, `heads` blocks of `rows × size` floats, row-major; keys past a row's query
    /// position are 0.
    public let values: [Float]
    /// How the heads were combined (`.none`: every head kept).
    public let aggregation: HeadAggregation
    /// The position of the first captured query row.
    public let firstRow: Int
    /// How many query rows each block holds (`size` without a KV cache).
    public let rows: Int

    /// A capture of `values` laid out as described above; `rows` defaults to `size` (every row).
    public init(layer: Int, heads: Int, size: Int, values: [Float], aggregation: HeadAggregation, firstRow: Int = 0, rows: Int? = nil) {
        self.layer = layer
        self.heads = heads
        self.size = size
        self.values = values
        self.aggregation = aggregation
        self.firstRow = firstRow
        self.rows = rows ?? size
    }
}
