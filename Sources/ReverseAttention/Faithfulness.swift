import Foundation
import ModelRuntime

/// `rat trace --verify`: how many random edge sets to compare each path with, and their seed.
public struct VerifyOptions: Sendable, Equatable {
    /// Random edge sets per path (`--verify-baseline K`); 0 = none.
    public var baselineSets: Int
    /// Seed of the random edge sets (`--verify-seed`): the same seed draws the same sets.
    public var seed: UInt64

    /// Options for `--verify`; by default no random sets, seed 0.
    public init(baselineSets: Int = 0, seed: UInt64 = 0) {
        self.baselineSets = baselineSets
        self.seed = seed
    }

    /// The model is re-run once per path and random set: at most this many times.
    public static let maximumRuns = 1024
}

/// Whether the drawn paths matter to the model: for each path, knock out its edges (the query
/// no longer attends the key in any head, in the layer the edge belongs to) and measure the
/// change in log-probability of the token the model predicts at the target position. A random
/// baseline knocks out as many edges from the same query positions, to random earlier keys.
public struct Faithfulness: Sendable, Equatable, Codable {
    /// The token the model predicts after the target position (argmax at the target).
    public var predictedTokenID: Int
    /// The predicted token, decoded alone.
    public var predictedToken: String
    /// Its log-probability with nothing knocked out.
    public var baseLogprob: Double
    /// One per path, in the paths' order.
    public var beams: [PathFaithfulness]
    /// Over every path's random sets; nil without `--verify-baseline`.
    public var baseline: FaithfulnessBaseline?

    enum CodingKeys: String, CodingKey {
        case predictedTokenID = "predicted_token_id"
        case predictedToken = "predicted_token"
        case baseLogprob = "base_logprob"
        case beams, baseline
    }
}

/// What knocking out one path's edges did to the prediction, beside the path's random sets.
public struct PathFaithfulness: Sendable, Equatable, Codable {
    /// The path's edges that were knocked out (a path through the layers that stays at one
    /// position in a layer crosses no edge there).
    public var knockedOut: [AttentionKnockout]
    /// Log-probability with them knocked out, minus the base (negative: the path mattered).
    public var deltaLogprob: Double
    /// This path's random sets: their mean delta and standard deviation (n − 1).
    public var baselineMean: Double?
    /// The standard deviation (n − 1) of this path's random deltas, 0 for one set; nil without
    /// `--verify-baseline`.
    public var baselineSD: Double?

    enum CodingKeys: String, CodingKey {
        case knockedOut = "knocked_out"
        case deltaLogprob = "delta_logprob"
        case baselineMean = "baseline_mean"
        case baselineSD = "baseline_sd"
    }
}

/// The random baseline over every path's random edge sets (`--verify-baseline`).
public struct FaithfulnessBaseline: Sendable, Equatable, Codable {
    /// Random sets per path, and the seed they were drawn with.
    public var setsPerPath: Int
    /// The seed the random sets were drawn with.
    public var seed: UInt64
    /// Mean and standard deviation (n − 1) of every random set's delta.
    public var meanDeltaLogprob: Double
    /// The standard deviation (n − 1) of every random set's delta, 0 for one set.
    public var sdDeltaLogprob: Double

    enum CodingKeys: String, CodingKey {
        case setsPerPath = "sets_per_path"
        case seed
        case meanDeltaLogprob = "mean_delta_logprob"
        case sdDeltaLogprob = "sd_delta_logprob"
    }
}

extension Faithfulness {
    /// The knockouts of each path: within one layer every edge in `layer`; through the layers,
    /// each edge that moves to another position, in the layer whose attention it weighs.
    static func knockouts(of paths: [BeamPath], layer: Int) -> [[AttentionKnockout]] {
        paths.map { path in
            (0..<(path.positions.count - 1)).compactMap { k in
                let (query, key) = (path.positions[k], path.positions[k + 1])
                guard query != key else { return nil }
                return AttentionKnockout(layer: path.layers?[k + 1] ?? layer, query: query, key: key)
            }
        }
    }

    /// Random sets like `set`: the same layers and query positions, keys drawn uniformly from
    /// the query's earlier positions.
    static func randomSets(like set: [AttentionKnockout], count: Int, generator: inout SeededGenerator) -> [[AttentionKnockout]] {
        (0..<count).map { _ in
            set.map { k in AttentionKnockout(layer: k.layer, query: k.query, key: Int(generator.next() % UInt64(k.query))) }
        }
    }

    /// Measures `paths` on `model` over `ids` (the text through the target, which is last).
    static func measure(
        paths: [BeamPath], layer: Int, model: CausalLanguageModel, ids: [Int], mask: [Bool], options: VerifyOptions,
        tokenString: (Int) -> String
    ) throws -> Faithfulness {
        let runs = paths.count * (1 + options.baselineSets)
        guard runs <= VerifyOptions.maximumRuns else {
            throw TraceError("--verify would re-run the model \(runs) times (top_beam × (1 + --verify-baseline)); at most \(VerifyOptions.maximumRuns)")
        }
        let own = knockouts(of: paths, layer: layer)
        var generator = SeededGenerator(seed: options.seed)
        let random = own.map { randomSets(like: $0, count: options.baselineSets, generator: &generator) }
        let effects = try model.knockoutEffects(ids: ids, sets: own + random.flatMap { $0 }, attentionMask: mask)
        var beams: [PathFaithfulness] = []
        var all: [Double] = []
        for (b, set) in own.enumerated() {
            let start = own.count + b * options.baselineSets
            let deltas = Array(effects.deltas[start..<(start + options.baselineSets)])
            all += deltas
            let (mean, sd) = meanAndDeviation(deltas)
            beams.append(PathFaithfulness(knockedOut: set, deltaLogprob: effects.deltas[b], baselineMean: mean, baselineSD: sd))
        }
        let (mean, sd) = meanAndDeviation(all)
        return Faithfulness(
            predictedTokenID: effects.predictedTokenID, predictedToken: tokenString(effects.predictedTokenID),
            baseLogprob: effects.baseLogProbability, beams: beams,
            baseline: options.baselineSets == 0 ? nil
                : FaithfulnessBaseline(setsPerPath: options.baselineSets, seed: options.seed, meanDeltaLogprob: mean ?? 0, sdDeltaLogprob: sd ?? 0))
    }

    /// Mean and sample standard deviation (0 for one value); nil for none.
    private static func meanAndDeviation(_ values: [Double]) -> (Double?, Double?) {
        guard !values.isEmpty else { return (nil, nil) }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, 0) }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (squares / Double(values.count - 1)).squareRoot())
    }
}
