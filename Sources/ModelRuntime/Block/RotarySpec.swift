import Foundation

/// How one layer's rotary embedding turns its queries and keys, as transformers'
/// `modeling_rope_utils.py` computes it (float32 inverse frequencies, cos/sin times an
/// attention factor).
public struct RotarySpec: Sendable, Equatable, CustomStringConvertible {
    /// The rotary base θ (HF `rope_theta`, GGUF `<arch>.rope.freq_base`).
    public var base: Double
    /// Leading dimensions of each head that rotate (`head_dim · partial_rotary_factor`); the rest pass.
    public var dimensions: Int
    /// How the frequencies are adjusted for long contexts; `.none` for plain rope.
    public var scaling: RopeScaling

    /// A rotary spec turning the first `dimensions` of each head (an even number) with base `base`.
    public init(base: Double, dimensions: Int, scaling: RopeScaling = .none) {
        self.base = base
        self.dimensions = dimensions
        self.scaling = scaling
    }

    /// The rotary settings as `rat inspect` shows them: base, rotated dimensions, scaling.
    public var description: String {
        "rope θ \(base.formatted()) on \(dimensions) dims\(scaling == .none ? "" : ", \(scaling)")"
    }

    /// Inverse frequencies and the factor cos/sin are multiplied by, for a pass whose last
    /// position is `sequenceLength - 1` (dynamic and longrope scaling depend on it, as in
    /// transformers' `dynamic_rope_update`).
    func frequencies(sequenceLength: Int) -> (inverse: [Float], attentionFactor: Float) {
        let dim = dimensions, half = dimensions / 2
        func plain(_ base: Float) -> [Float] { (0..<half).map { 1 / pow(base, Float(2 * $0) / Float(dim)) } }
        switch scaling {
        case .none:
            return (plain(Float(base)), 1)
        case .linear(let factor):
            return (plain(Float(base)).map { $0 / Float(factor) }, 1)
        case .dynamic(let factor, let maxPositions):
            guard sequenceLength > maxPositions else { return (plain(Float(base)), 1) }
            let s = Double(sequenceLength)
            let scaled = base * pow(factor * s / Double(maxPositions) - (factor - 1), Double(dim) / Double(dim - 2))
            return (plain(Float(scaled)), 1)
        case .llama3(let factor, let low, let high, let original):
            let lowWavelength = original / low, highWavelength = original / high
            let inverse = plain(Float(base)).map { f -> Float in
                let wavelength = 2 * Float.pi / f
                if wavelength < Float(highWavelength) { return f }
                if wavelength > Float(lowWavelength) { return f / Float(factor) }
                let smooth = (Float(original) / wavelength - Float(low)) / Float(high - low)
                return (1 - smooth) * f / Float(factor) + smooth * f
            }
            return (inverse, 1)
        case .yarn(let y):
            let factor = y.factor
            func mscale(_ scale: Double, _ m: Double = 1) -> Double { scale <= 1 ? 1 : 0.1 * m * log(scale) + 1 }
            let attention: Double = y.attentionFactor ?? {
                if let m = y.mscale, let all = y.mscaleAllDimensions, m != 0, all != 0 { return mscale(factor, m) / mscale(factor, all) }
                return mscale(factor)
            }()
            func correctionDimension(_ rotations: Double) -> Double {
                Double(dim) * log(Double(y.originalMaxPositions) / (rotations * 2 * Double.pi)) / (2 * log(base))
            }
            var low = correctionDimension(y.betaFast), high = correctionDimension(y.betaSlow)
            if y.truncate { low = low.rounded(.down); high = high.rounded(.up) }
            low = max(low, 0)
            high = min(high, Double(dim - 1))
            if low == high { high += 0.001 }
            let positionFrequencies = (0..<half).map { pow(Float(base), Float(2 * $0) / Float(dim)) }
            let inverse = (0..<half).map { i -> Float in
                let ramp = min(max((Float(i) - Float(low)) / Float(high - low), 0), 1)
                let extrapolation = 1 - ramp
                let interpolated = 1 / (Float(factor) * positionFrequencies[i]), extrapolated = 1 / positionFrequencies[i]
                return interpolated * (1 - extrapolation) + extrapolated * extrapolation
            }
            return (inverse, Float(attention))
        case .longrope(let l):
            let factor = l.factor
            let attention: Double = l.attentionFactor
                ?? (factor <= 1 ? 1 : (1 + log(factor) / log(Double(l.originalMaxPositions))).squareRoot())
            let external = sequenceLength > l.originalMaxPositions ? l.longFactor : l.shortFactor
            let inverse = (0..<half).map { i in 1 / (external[i] * pow(Float(base), Float(2 * i) / Float(dim))) }
            return (inverse, Float(attention))
        case .frequencyFactors(let factors):
            return (zip(plain(Float(base)), factors).map { $0 / $1 }, 1)
        }
    }

    /// Checks the scaling's parameters against the rotating dimensions.
    func validate(file: String) throws(ModelError) {
        if case .frequencyFactors(let f) = scaling, f.count != dimensions / 2 || f.contains(where: { !($0.isFinite && $0 > 0) }) {
            throw ModelError("\(file): rope_freqs has \(f.count) factors (\(dimensions) rotating dimensions need \(dimensions / 2) positive ones)")
        }
        guard dimensions >= 2, dimensions % 2 == 0, base.isFinite, base > 0 else {
            throw ModelError("\(file): invalid rotary embedding (θ \(base), \(dimensions) dimensions)")
        }
        if case .longrope(let l) = scaling, l.shortFactor.count != dimensions / 2 || l.longFactor.count != dimensions / 2 {
            throw ModelError("\(file): longrope factors have \(l.shortFactor.count) and \(l.longFactor.count) entries; \(dimensions) rotating dimensions need \(dimensions / 2)")
        }
    }
}

/// Rope scaling, by transformers' `rope_type` names.
public enum RopeScaling: Sendable, Equatable, CustomStringConvertible {
    /// Plain rope: inverse frequencies `base^(-2i/d)`.
    case none
    /// Every frequency divided by `factor` (positions interpolated).
    case linear(factor: Double)
    /// NTK-aware: the base grows once the sequence passes `maxPositions`.
    case dynamic(factor: Double, maxPositions: Int)
    /// Llama 3.1's wavelength-banded scaling.
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalMaxPositions: Double)
    /// YaRN: low frequencies interpolated, high ones kept, a ramp between, and cos/sin multiplied
    /// by an attention factor.
    case yarn(Yarn)
    /// Phi-3's per-dimension factors, long ones once the sequence passes the original length.
    case longrope(LongRope)
    /// Per-dimension divisors of the frequencies, as llama.cpp's converter writes Llama 3 scaling
    /// (`rope_freqs.weight`).
    case frequencyFactors([Float])

    /// YaRN's parameters, from HF `rope_scaling` / `rope_parameters` or GGUF `<arch>.rope.scaling.*`.
    public struct Yarn: Sendable, Equatable {
        /// How many times the context is extended: interpolated frequencies are divided by it (HF
        /// `factor`, GGUF `rope.scaling.factor`).
        public var factor: Double
        /// The context length the model was pretrained with (HF
        /// `original_max_position_embeddings`, GGUF `rope.scaling.original_context_length`).
        public var originalMaxPositions: Int
        /// Bounds of the ramp, in rotations over the original context (HF `beta_fast`,
        /// `beta_slow`): dimensions turning more than `betaFast` times keep their frequency, those
        /// turning fewer than `betaSlow` times are interpolated, and the ones between are blended
        /// linearly.
        public var betaFast: Double = 32, betaSlow: Double = 1
        /// Multiplies cos and sin (HF `attention_factor`, GGUF `rope.scaling.attn_factor`); nil =
        /// derived from `factor`: `0.1 · ln(factor) + 1`, or the ratio of the two mscale terms when
        /// both are set.
        public var attentionFactor: Double?
        /// HF `mscale` and `mscale_all_dim` (DeepSeek-style configs): when both are set and
        /// non-zero and no `attentionFactor` is given, the factor is
        /// `mscale(factor, mscale) / mscale(factor, mscaleAllDimensions)`, where
        /// `mscale(s, m) = 0.1 · m · ln(s) + 1`.
        public var mscale: Double?, mscaleAllDimensions: Double?
        /// Round the ramp's bounds out to whole dimensions (HF `truncate`, default true).
        public var truncate = true
    }

    /// Phi-3's longrope parameters, from HF `rope_scaling` or llama.cpp's `rope_factors_*` tensors.
    public struct LongRope: Sendable, Equatable {
        /// Per-dimension divisors of the frequencies, one per rotating pair: `short_factor` while
        /// the sequence fits the original context, `long_factor` once it is longer.
        public var shortFactor: [Float], longFactor: [Float]
        /// The context length the model was pretrained with (HF
        /// `original_max_position_embeddings`, GGUF `rope.scaling.original_context_length`);
        /// longer sequences use `longFactor`.
        public var originalMaxPositions: Int
        /// `max_position_embeddings / original_max_position_embeddings` unless the config gives one.
        public var factor: Double
        /// Multiplies cos and sin (HF `attention_factor`, GGUF `rope.scaling.attn_factor`); nil =
        /// `√(1 + ln(factor) / ln(originalMaxPositions))`, or 1 when `factor <= 1`.
        public var attentionFactor: Double?
    }

    /// The scaling as `rat inspect` shows it, with its factors.
    public var description: String {
        switch self {
        case .none: "no scaling"
        case .linear(let f): "linear scaling ×\(f.formatted())"
        case .dynamic(let f, let m): "dynamic NTK scaling ×\(f.formatted()) past \(m)"
        case .llama3(let f, let lo, let hi, let o): "llama3 scaling ×\(f.formatted()) (low \(lo.formatted()), high \(hi.formatted()), original \(Int(o)))"
        case .yarn(let y): "yarn scaling ×\(y.factor.formatted()) (original \(y.originalMaxPositions))"
        case .longrope(let l): "longrope (original \(l.originalMaxPositions), factor \(l.factor.formatted()))"
        case .frequencyFactors(let f): "\(f.count) frequency factors from the file"
        }
    }
}
