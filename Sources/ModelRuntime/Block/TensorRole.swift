/// What a tensor is for, whatever a format calls it (in the spirit of gguf-py's `MODEL_TENSOR`).
/// Each family maps roles to names per format; the forward pass asks for roles only.
public enum TensorRole: Hashable, Sendable {
    // Model-level
    /// Model-level tensors: token embeddings `[vocabulary][hidden]`, learned position embeddings
    /// (GPT-2), the final norm's weight and bias (the bias with LayerNorm only), and the LM head
    /// (absent when the embeddings are tied).
    case tokenEmbedding, positionEmbedding, finalNorm, finalNormBias, output
    /// Rotary frequency divisors written by llama.cpp's converter (Llama 3 scaling as `rope_freqs`;
    /// Phi-3's longrope as `rope_factors_long` / `rope_factors_short`).
    case ropeFrequencyFactors, ropeLongFactors, ropeShortFactors
    // Per layer: attention
    /// The norm before attention: its weight, and its bias (LayerNorm only).
    case attentionNorm, attentionNormBias
    /// The q, k and v projections `[heads · head_dim][hidden]` and their biases.
    case query, key, value, queryBias, keyBias, valueBias
    /// The weights of the q and k norms (see ``QKNorm``).
    case queryNorm, keyNorm
    /// The attention output projection `[hidden][heads · head_dim]` and its bias.
    case attentionOutput, attentionOutputBias
    /// The norm of attention's output before the residual add (sandwich and post-norm blocks).
    case attentionPostNorm
    // Per layer: MLP
    /// The norm before the MLP: its weight, and its bias (LayerNorm only).
    case mlpNorm, mlpNormBias
    /// The MLP's gate, up and down projections and their biases (a plain MLP has no gate).
    case gate, up, down, gateBias, upBias, downBias
    /// The norm of the MLP's output before the residual add (sandwich and post-norm blocks).
    case mlpPostNorm
    // Per layer: routed experts (`expert` picks one matrix of a stacked tensor or one named tensor)
    /// The router `[experts][hidden]` whose softmax picks each token's experts.
    case router
    /// The gate, up and down projections of expert `e` (0-based).
    case expertGate(Int), expertUp(Int), expertDown(Int)

    /// llama.cpp's name (gguf-py's `TENSOR_NAMES`), shared by every GGUF architecture; experts are
    /// stacked into one 3-D tensor per matrix.
    func ggufSource(layer: Int) -> TensorSource {
        let b = "blk.\(layer)."
        switch self {
        case .tokenEmbedding: return "token_embd.weight"
        case .positionEmbedding: return "position_embd.weight"
        case .finalNorm: return "output_norm.weight"
        case .finalNormBias: return "output_norm.bias"
        case .output: return "output.weight"
        case .ropeFrequencyFactors: return "rope_freqs.weight"
        case .ropeLongFactors: return "rope_factors_long.weight"
        case .ropeShortFactors: return "rope_factors_short.weight"
        case .attentionNorm: return .init(b + "attn_norm.weight")
        case .attentionNormBias: return .init(b + "attn_norm.bias")
        case .query: return .init(b + "attn_q.weight")
        case .key: return .init(b + "attn_k.weight")
        case .value: return .init(b + "attn_v.weight")
        case .queryBias: return .init(b + "attn_q.bias")
        case .keyBias: return .init(b + "attn_k.bias")
        case .valueBias: return .init(b + "attn_v.bias")
        case .queryNorm: return .init(b + "attn_q_norm.weight")
        case .keyNorm: return .init(b + "attn_k_norm.weight")
        case .attentionOutput: return .init(b + "attn_output.weight")
        case .attentionOutputBias: return .init(b + "attn_output.bias")
        case .attentionPostNorm: return .init(b + "post_attention_norm.weight")
        case .mlpNorm: return .init(b + "ffn_norm.weight")
        case .mlpNormBias: return .init(b + "ffn_norm.bias")
        case .gate: return .init(b + "ffn_gate.weight")
        case .up: return .init(b + "ffn_up.weight")
        case .down: return .init(b + "ffn_down.weight")
        case .gateBias: return .init(b + "ffn_gate.bias")
        case .upBias: return .init(b + "ffn_up.bias")
        case .downBias: return .init(b + "ffn_down.bias")
        case .mlpPostNorm: return .init(b + "post_ffw_norm.weight")
        case .router: return .init(b + "ffn_gate_inp.weight")
        case .expertGate(let e): return .init(b + "ffn_gate_exps.weight", expert: e)
        case .expertUp(let e): return .init(b + "ffn_up_exps.weight", expert: e)
        case .expertDown(let e): return .init(b + "ffn_down_exps.weight", expert: e)
        }
    }
}

/// Where one role's float32 matrix comes from: a tensor, possibly transposed (GPT-2's Conv1D
/// stores `[in][out]`), possibly one part of it (rows of a fused tensor, like Phi-3's `qkv_proj`,
/// or one expert of a stacked 3-D tensor).
public struct TensorSource: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    /// The tensor's name in the file (GGUF or safetensors).
    public var name: String
    /// Stored `[in][out]`: the pass needs `[out][in]`.
    public var transposed = false
    /// Rows `[start, start + count)` of the (transposed) tensor; a 1-D tensor's elements.
    public var rows: Range<Int>?
    /// The fused tensor's full row count, checked at load (nil when not fused).
    public var fusedRows: Int?
    /// One matrix of a stacked `[experts][rows][cols]` tensor.
    public var expert: Int?

    /// A source reading the tensor `name`, whole unless `rows` or `expert` pick a part of it.
    public init(_ name: String, transposed: Bool = false, rows: Range<Int>? = nil, fusedRows: Int? = nil, expert: Int? = nil) {
        self.name = name
        self.transposed = transposed
        self.rows = rows
        self.fusedRows = fusedRows
        self.expert = expert
    }

    /// A whole tensor named by a string literal (as the architecture tables write them).
    public init(stringLiteral name: String) { self.init(name) }

    /// The tensor's name, with its expert and row range when it is a slice.
    public var description: String {
        var s = name
        if let expert { s += " [expert \(expert)]" }
        if let rows { s += " rows \(rows.lowerBound)..<\(rows.upperBound)" }
        if transposed { s += " (transposed)" }
        return s
    }

    /// `rows` of this source, for fused tensors.
    func slice(_ range: Range<Int>, of total: Int) -> TensorSource {
        var s = self
        s.rows = range
        s.fusedRows = total
        return s
    }
}
