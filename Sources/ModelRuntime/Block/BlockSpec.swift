/// What one transformer block of a family computes, as data: the forward pass reads it and has
/// no family names in it. Each family's file fills one in from its config (see `Architectures/`).
public struct BlockSpec: Sendable, Equatable {
    /// The normalization of the block's norms and the final norm (q/k norms use its RMS form).
    public var norm: NormKind
    /// The ε every norm adds to the mean square (or variance): HF `rms_norm_eps`, GGUF
    /// `<arch>.attention.layer_norm_rms_epsilon` (GPT-2: `layer_norm_epsilon`, and
    /// `<arch>.attention.layer_norm_epsilon`).
    public var normEpsilon: Float
    /// Where the norms sit around the two sublayers. Llama: input norms only (pre-norm);
    /// Gemma 2/3: both (sandwich); OLMo 2: output norms only.
    public var normPlacement: NormPlacement
    /// RMSNorm on queries and keys before the rotary embedding.
    public var qkNorm: QKNorm
    /// How positions enter the model: rotary embeddings (and their pairing) or learned embeddings.
    public var positions: PositionEncoding
    /// Biases on the q, k and v projections (Qwen2, GPT-2, Llama with `attention_bias`).
    public var attentionBias: Bool
    /// A bias on the attention output projection (GPT-2, Llama with `attention_bias`).
    public var outputBias: Bool
    /// Multiplies q·k before the softmax: `head_dim^-½`, or `query_pre_attn_scalar^-½` (Gemma).
    public var attentionScale: Float
    /// Scores become `c · tanh(s / c)` before masking (Gemma 2).
    public var attentionSoftcap: Float?
    /// What the MLP computes: gated, plain, or routed experts.
    public var mlp: MLPKind
    /// The token embeddings are multiplied by this (Gemma: √hidden).
    public var embeddingScale: Float?
    /// Logits become `c · tanh(l / c)` (Gemma 2).
    public var finalLogitSoftcap: Float?

    /// A block spec. The defaults are Llama's (pre-norm RMSNorm, rotary pairs `(i, i + d/2)`, no
    /// biases, gated SiLU MLP); the norm epsilon and the attention scale have none.
    public init(
        norm: NormKind = .rms, normEpsilon: Float, normPlacement: NormPlacement = .preNorm, qkNorm: QKNorm = .none,
        positions: PositionEncoding = .rotary(pairing: .halves), attentionBias: Bool = false, outputBias: Bool = false,
        attentionScale: Float, attentionSoftcap: Float? = nil, mlp: MLPKind = .gated(.silu, bias: false),
        embeddingScale: Float? = nil, finalLogitSoftcap: Float? = nil
    ) {
        self.norm = norm
        self.normEpsilon = normEpsilon
        self.normPlacement = normPlacement
        self.qkNorm = qkNorm
        self.positions = positions
        self.attentionBias = attentionBias
        self.outputBias = outputBias
        self.attentionScale = attentionScale
        self.attentionSoftcap = attentionSoftcap
        self.mlp = mlp
        self.embeddingScale = embeddingScale
        self.finalLogitSoftcap = finalLogitSoftcap
    }
}

/// Which normalization a norm applies, given its weight `w` (and bias `b`).
public enum NormKind: Sendable, Equatable, CustomStringConvertible {
    /// `x / √(mean(x²) + ε) · w`.
    case rms
    /// `x / √(mean(x²) + ε) · (1 + w)`: Gemma's HF checkpoints store `w`; its GGUFs already `1 + w`.
    case rmsPlusOne
    /// `(x − mean) / √(var + ε) · w + b` (GPT-2).
    case layerNorm

    /// The norm as `rat inspect` names it (`RMSNorm`, `RMSNorm (1 + w)`, `LayerNorm with bias`).
    public var description: String {
        switch self {
        case .rms: "RMSNorm"
        case .rmsPlusOne: "RMSNorm (1 + w)"
        case .layerNorm: "LayerNorm with bias"
        }
    }
}

/// Which norms a block has around its two sublayers, attention and MLP.
public struct NormPlacement: Sendable, Equatable, CustomStringConvertible {
    /// Norm of the residual stream before attention / before the MLP.
    public var attentionInput, mlpInput: Bool
    /// Norm of the sublayer's output before it is added to the residual stream.
    public var attentionOutput, mlpOutput: Bool

    /// Norms before attention and before the MLP only (Llama, GPT-2).
    public static let preNorm = NormPlacement(attentionInput: true, mlpInput: true, attentionOutput: false, mlpOutput: false)
    /// Norms before and after each sublayer (Gemma 2 and 3).
    public static let sandwich = NormPlacement(attentionInput: true, mlpInput: true, attentionOutput: true, mlpOutput: true)
    /// Norms of each sublayer's output only, before the residual add (OLMo 2).
    public static let postNorm = NormPlacement(attentionInput: false, mlpInput: false, attentionOutput: true, mlpOutput: true)

    /// Where the norms sit, as `rat inspect` names it (`pre-norm`, `sandwich (…)`, or which sublayers' inputs and outputs).
    public var description: String {
        switch self {
        case .preNorm: "pre-norm"
        case .sandwich: "sandwich (before and after each sublayer)"
        case .postNorm: "after each sublayer"
        default: "attention \(attentionInput ? "in" : "")\(attentionOutput ? "+out" : ""), MLP \(mlpInput ? "in" : "")\(mlpOutput ? "+out" : "")"
        }
    }
}

/// Whether queries and keys are normalized after their projection, before the rotary embedding.
public enum QKNorm: Sendable, Equatable, CustomStringConvertible {
    /// No norm of queries and keys.
    case none
    /// One RMSNorm of `head_dim` shared by every head (Qwen3, Gemma 3).
    case perHead
    /// One RMSNorm over the whole q (and k) projection (OLMo 2).
    case wholeProjection

    /// The query/key norm as `rat inspect` names it (`none`, `RMSNorm per head`, …).
    public var description: String {
        switch self {
        case .none: "none"
        case .perHead: "RMSNorm per head"
        case .wholeProjection: "RMSNorm over the whole projection"
        }
    }
}

/// How the model tells positions apart.
public enum PositionEncoding: Sendable, Equatable, CustomStringConvertible {
    /// Rotary embeddings; each layer's `LayerSpec.rotary` says how (or that this layer has none).
    case rotary(pairing: RotaryPairing)
    /// A learned position embedding added to the token embedding (GPT-2).
    case learned
    /// No position encoding: only the causal mask orders the tokens.
    case none

    /// The position encoding as `rat inspect` names it (`rotary (…)`, `learned position embeddings`, `none`).
    public var description: String {
        switch self {
        case .rotary(let pairing): "rotary (\(pairing))"
        case .learned: "learned position embeddings"
        case .none: "none"
        }
    }
}

/// Which two elements of a head a rotary angle turns.
public enum RotaryPairing: Sendable, Equatable, CustomStringConvertible {
    /// `(i, i + d/2)`, HuggingFace's "rotate half" (and llama.cpp's NEOX rope).
    case halves
    /// `(2i, 2i + 1)`: llama.cpp permutes Llama's q/k rows so that pairs are adjacent.
    case interleaved

    /// Which dimensions rotate together, as `rat inspect` names it.
    public var description: String { self == .halves ? "pairs (i, i + d/2)" : "adjacent pairs (2i, 2i + 1)" }
}

/// The nonlinearity of an MLP; `rawValue` is the name summaries print.
public enum Activation: String, Sendable, Equatable {
    /// SiLU, `x · sigmoid(x)` (SwiGLU's activation).
    case silu
    /// GELU, tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
    case geluTanh = "gelu (tanh)"
    /// GELU with erf.
    case gelu
}

/// What a block's MLP computes from the normalized residual stream `x`.
public enum MLPKind: Sendable, Equatable, CustomStringConvertible {
    /// `down(act(gate(x)) · up(x))`.
    case gated(Activation, bias: Bool)
    /// `down(act(up(x)))` (GPT-2's c_fc / c_proj).
    case plain(Activation, bias: Bool)
    /// Routed experts, each a gated MLP; every layer's `LayerSpec.routedExperts` says whether it
    /// is routed.
    case experts(ExpertRouting)

    /// The MLP as `rat inspect` names it (`gated silu`, `gelu with biases`, `8 experts, top 2, gated silu`).
    public var description: String {
        switch self {
        case .gated(let a, let bias): "gated \(a.rawValue)\(bias ? " with biases" : "")"
        case .plain(let a, let bias): "\(a.rawValue)\(bias ? " with biases" : "")"
        case .experts(let r): "\(r.count) experts, top \(r.topK)\(r.normalizeTopK ? " renormalized" : ""), gated \(r.activation.rawValue)"
        }
    }
}

/// A mixture-of-experts MLP: a router's softmax picks `topK` of `count` experts for each token,
/// and their outputs are summed, weighted by the router's probabilities.
public struct ExpertRouting: Sendable, Equatable {
    /// Number of routed experts (HF `num_local_experts` or `num_experts`, GGUF `<arch>.expert_count`).
    public var count: Int
    /// Experts each token uses (HF `num_experts_per_tok`, GGUF `<arch>.expert_used_count`).
    public var topK: Int
    /// Renormalize the chosen experts' softmax weights to sum to 1.
    public var normalizeTopK: Bool
    /// The activation of each expert's gated MLP.
    public var activation: Activation
    /// Inner width of each expert's MLP (HF `moe_intermediate_size`, Mixtral `intermediate_size`;
    /// GGUF `<arch>.expert_feed_forward_length`).
    public var intermediateSize: Int
}

/// What varies from layer to layer (Gemma 2/3's local and global layers, SmolLM3's layers
/// without rope, Qwen3-MoE's dense layers).
public struct LayerSpec: Sendable, Equatable, CustomStringConvertible {
    /// A query sees only the last `window` keys (itself included); nil = every earlier key.
    public var window: Int?
    /// nil = this layer has no rotary embedding.
    public var rotary: RotarySpec?
    /// Whether this layer's MLP is the routed experts (when the block has them) or dense.
    public var routedExperts: Bool

    /// A layer spec; by default the layer attends to every earlier key and its MLP is dense.
    public init(window: Int? = nil, rotary: RotarySpec?, routedExperts: Bool = false) {
        self.window = window
        self.rotary = rotary
        self.routedExperts = routedExperts
    }

    /// The layer as `rat inspect` lists it: its attention window (or `global`), rotary settings, experts.
    public var description: String {
        var parts = [window.map { "window \($0)" } ?? "global"]
        parts.append(rotary.map(\.description) ?? "no rope")
        if routedExperts { parts.append("experts") }
        return parts.joined(separator: ", ")
    }
}
