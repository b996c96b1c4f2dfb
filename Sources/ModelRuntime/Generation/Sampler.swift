import Foundation

/// How the next token is chosen from one row of logits. Each knob has an "off" value, and every
/// default is off, so `SamplingOptions()` samples from the plain softmax. Unlike
/// `model.generate(do_sample=True)`, an unset top-k is off here, not 50.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 = greedy (argmax; the warpers below are then ignored, as with `do_sample=False`).
    public var temperature: Double
    /// Keep the `topK` highest scores (and every score tied with the k-th); 0 = off.
    public var topK: Int
    /// Keep the smallest set of highest-probability ids whose mass reaches `topP`; 1 = off.
    public var topP: Double
    /// Drop ids whose probability is below `minP` times the highest; 0 = off.
    public var minP: Double
    /// Divides positive logits (multiplies negative ones) of ids already in the sequence; 1 = off.
    /// Applied when greedy too, as transformers does.
    public var repetitionPenalty: Double
    /// Seeds the sampler's own generator (`SeededGenerator`).
    public var seed: UInt64

    /// Sampling options; every default is off, so `SamplingOptions()` samples from the plain
    /// softmax. Values are checked by `validate()` (and by ``Sampler``), not here.
    public init(temperature: Double = 1, topK: Int = 0, topP: Double = 1, minP: Double = 0, repetitionPenalty: Double = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Argmax decoding: temperature 0, no repetition penalty.
    public static let greedy = SamplingOptions(temperature: 0)

    /// Whether the next token is the argmax (temperature 0) rather than a draw.
    public var isGreedy: Bool { temperature == 0 }

    /// Rejects values transformers would reject, and those that would overflow float32 scores (a
    /// temperature below float32's smallest positive value divides by zero). Guards are written
    /// so that NaN fails them.
    public func validate() throws(ModelError) {
        guard temperature == 0 || (temperature > 0 && Float(temperature) > 0 && Float(temperature).isFinite) else {
            throw ModelError("temperature must be 0 (greedy) or a positive finite number, got \(temperature)")
        }
        guard topK >= 0 else { throw ModelError("top-k must be at least 0 (0 = off), got \(topK)") }
        guard topP > 0 && topP <= 1 else { throw ModelError("top-p must be in (0, 1] (1 = off), got \(topP)") }
        guard minP >= 0 && minP <= 1 else { throw ModelError("min-p must be in [0, 1] (0 = off), got \(minP)") }
        guard repetitionPenalty > 0 && Float(repetitionPenalty) > 0 && Float(repetitionPenalty).isFinite else {
            throw ModelError("repetition penalty must be a positive finite number (1 = off), got \(repetitionPenalty)")
        }
    }

    /// The steps that these options turn on, in the order transformers 5.24's
    /// `GenerationMixin._get_logits_processor` appends them: the repetition penalty (a
    /// processor, applied greedy or not), then, when sampling, the warpers temperature, top-k,
    /// top-p and min-p. The order matters: top-p's mass and min-p's threshold are measured on
    /// the tempered, already top-k-filtered distribution.
    public var steps: [LogitsStep] {
        var steps: [LogitsStep] = []
        if repetitionPenalty != 1 { steps.append(.repetitionPenalty(Float(repetitionPenalty))) }
        guard !isGreedy else { return steps }
        if temperature != 1 { steps.append(.temperature(Float(temperature))) }
        if topK > 0 { steps.append(.topK(topK)) }
        if topP < 1 { steps.append(.topP(topP)) }
        if minP > 0 { steps.append(.minP(minP)) }
        return steps
    }
}

/// One logits processor. Scores stay float32 (as transformers' `next_token_scores`); a filtered
/// id's score becomes -inf. Parameters are stored as torch sees them: penalty and temperature
/// rounded to float32 (torch casts a Python scalar to the tensor's dtype), probabilities in
/// double.
public enum LogitsStep: Sendable, Equatable {
    /// `RepetitionPenaltyLogitsProcessor`: each distinct id of the sequence once, however often
    /// it occurs; a score of exactly 0 stays 0.
    case repetitionPenalty(Float)
    /// `TemperatureLogitsWarper`: a float32 division.
    case temperature(Float)
    /// `TopKLogitsWarper`: drops scores below the k-th highest, so ties with it are all kept.
    case topK(Int)
    /// `TopPLogitsWarper`: sorts ascending and drops ids whose cumulative probability is at most
    /// 1 - p, keeping at least the highest.
    case topP(Double)
    /// `MinPLogitsWarper`: drops ids whose probability is below p times the highest.
    case minP(Double)

    /// The transformers class that this step reproduces.
    public var transformersName: String {
        switch self {
        case .repetitionPenalty: "RepetitionPenaltyLogitsProcessor"
        case .temperature: "TemperatureLogitsWarper"
        case .topK: "TopKLogitsWarper"
        case .topP: "TopPLogitsWarper"
        case .minP: "MinPLogitsWarper"
        }
    }

    /// Applies this step to `scores` in place. `previous` is the whole sequence so far (prompt
    /// and generated ids, as transformers' `input_ids`); ids outside the vocabulary are ignored.
    func apply(to scores: inout [Float], previous: [Int]) {
        switch self {
        case .repetitionPenalty(let penalty):
            var seen = Set<Int>()
            for id in previous where id >= 0 && id < scores.count && seen.insert(id).inserted {
                scores[id] = scores[id] < 0 ? scores[id] * penalty : scores[id] / penalty
            }
        case .temperature(let temperature):
            for i in scores.indices { scores[i] /= temperature }
        case .topK(let k):
            guard k < scores.count else { return }
            let threshold = kthLargest(scores, k)
            for i in scores.indices where scores[i] < threshold { scores[i] = -.infinity }
        case .topP(let p):
            applyTopP(to: &scores, p)
        case .minP(let p):
            let (weights, _) = softmaxWeights(scores)
            // probability / highest probability = weight (the highest weight is 1).
            for i in scores.indices where weights[i] < p { scores[i] = -.infinity }
        }
    }
}

/// Turns logits into the next token, deterministically for a seed: the same options, logits and
/// sequence always give the same token, on every platform and thread count. The draw uses our
/// own `SeededGenerator`, so it does not reproduce torch.multinomial's stream, only its
/// distribution (which `distribution(logits:previous:)` matches transformers' to 1e-6).
public struct Sampler: Sendable {
    /// The options the sampler was made with (validated).
    public let options: SamplingOptions
    /// `options.steps`, computed once.
    public let steps: [LogitsStep]
    private var generator: SeededGenerator

    /// A sampler for `options`, its generator seeded with `options.seed`.
    ///
    /// - Throws: ``ModelError`` when an option is out of range (see ``SamplingOptions/validate()``).
    public init(_ options: SamplingOptions) throws(ModelError) {
        try options.validate()
        self.options = options
        steps = options.steps
        generator = SeededGenerator(seed: options.seed)
    }

    /// The processed scores (transformers' `next_token_scores`): every step applied in order,
    /// -inf where an id was filtered.
    public func scores(logits: [Float], previous: [Int]) -> [Float] {
        var scores = logits
        for step in steps { step.apply(to: &scores, previous: previous) }
        return scores
    }

    /// The distribution the next token is drawn from: the softmax of the processed scores in
    /// float64, exactly 0 where filtered. When greedy, the softmax of the penalized logits (what
    /// `do_sample=False` would sample from), though `next` takes its argmax.
    public func distribution(logits: [Float], previous: [Int]) -> [Double] {
        let (weights, total) = softmaxWeights(scores(logits: logits, previous: previous))
        return weights.map { $0 / total }
    }

    /// The next token. Greedy: the highest processed score, ties to the lowest id (torch.argmax).
    /// Sampling: one uniform draw, inverted over the kept ids' cumulative weights in id order.
    public mutating func next(logits: [Float], previous: [Int]) -> Int {
        precondition(!logits.isEmpty, "no logits to sample from")
        let scores = scores(logits: logits, previous: previous)
        if options.isGreedy { return greedyToken(scores) }
        let (weights, total) = softmaxWeights(scores)
        let target = generator.nextUnit() * total
        var cumulative = 0.0, last = 0
        for i in weights.indices where weights[i] > 0 {
            cumulative += weights[i]
            last = i
            if cumulative > target { return i }
        }
        return last  // only if rounding left target at the total: the last kept id
    }
}

/// `exp(score - max)` in float64 (1 at the maximum, 0 where filtered) and their sum: the softmax
/// without its division, which sampling does not need. +inf scores (a temperature so small that
/// float32 overflows) share the mass, as the limit of the softmax would; a row with no finite
/// score puts it all on id 0, as torch.argmax would pick.
func softmaxWeights(_ scores: [Float]) -> (weights: [Double], total: Double) {
    let top = scores.max() ?? -.infinity
    var weights = [Double](repeating: 0, count: scores.count)
    if top == .infinity {
        for i in scores.indices where scores[i] == .infinity { weights[i] = 1 }
    } else if top == -.infinity {
        weights[0] = 1
    } else {
        let m = Double(top)
        for i in scores.indices where scores[i] > -.infinity { weights[i] = exp(Double(scores[i]) - m) }
    }
    var total = 0.0
    for w in weights where w > 0 { total += w }
    return (weights, total)
}

/// The k-th highest score (1-based, counting ties), as torch.topk(scores, k).values[-1].
private func kthLargest(_ scores: [Float], _ k: Int) -> Float {
    precondition(k >= 1 && k <= scores.count)
    guard k <= 256 else { return scores.sorted(by: >)[k - 1] }
    // The k highest so far, descending: one comparison per score for all but a few.
    var top = [Float]()
    top.reserveCapacity(k + 1)
    for s in scores where top.count < k || s > top[k - 1] {
        var j = top.count
        while j > 0 && top[j - 1] < s { j -= 1 }
        top.insert(s, at: j)
        if top.count > k { top.removeLast() }
    }
    return top[k - 1]
}

/// TopPLogitsWarper: sort ascending, cumulative softmax, drop where it is at most 1 - p, keep the
/// last (highest). Two details follow torch: the cumulative sum is compared in float32 (torch
/// stores it so, against the float32 cast of `1 - p`), and the sort is stable, so among ids tied
/// across the boundary the lower ids are dropped first. torch's own CPU sort is not stable beyond
/// 16 elements, so there transformers keeps an arbitrary subset of such ties; we keep the one
/// `torch.sort(stable=True)` gives.
private func applyTopP(to scores: inout [Float], _ p: Double) {
    let threshold = Float(1 - p)
    let (weights, total) = softmaxWeights(scores)
    // Ids lighter than this all sit in the dropped prefix (together they weigh under half the
    // threshold), so only the rest need sorting: a real vocabulary sorts a few hundred ids.
    let light = Double(threshold) * 0.5 / Double(scores.count) * total
    var cumulative = 0.0
    var candidates: [Int] = []
    for i in scores.indices {
        if weights[i] > light { candidates.append(i) } else { cumulative += weights[i] / total; scores[i] = -.infinity }
    }
    candidates.sort { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    for i in candidates.dropLast() {
        cumulative += weights[i] / total
        guard Float(cumulative) <= threshold else { break }
        scores[i] = -.infinity
    }
}
