import Foundation

/// What knocking out sets of attention edges does to the model's prediction at the last position.
public struct KnockoutEffects: Sendable, Equatable {
    /// The token the intact model predicts at the last position (its argmax).
    public let predictedTokenID: Int
    /// Its log-probability in the intact model (log-softmax in double precision).
    public let baseLogProbability: Double
    /// Per set: its log-probability with the set knocked out, minus the base.
    public let deltas: [Double]
}

extension CausalLanguageModel {
    /// Runs `ids` intact, then once per set with that set's edges knocked out (each query no
    /// longer attends its key in any head: −∞ before the softmax, so the row renormalizes), and
    /// reports the change in log-probability of the intact model's predicted token at the last
    /// position. The intact pass keeps the residual stream entering the earliest knocked-out
    /// layer, so each set re-runs only the layers from there up.
    public func knockoutEffects(
        ids: [Int], sets: [[AttentionKnockout]], attentionMask: [Bool]? = nil
    ) throws(ModelError) -> KnockoutEffects {
        let layers = try sets.flatMap { $0 }.map { k throws(ModelError) in try resolveLayer(k.layer) }
        let from = layers.min() ?? 0
        let base = try run(ids, plan: PassPlan(logits: .lastPosition, residualLayer: from), attentionMask: attentionMask)
        let predicted = base.logits.indices.max { base.logits[$0] < base.logits[$1] || (base.logits[$0] == base.logits[$1] && $0 > $1) }!
        let baseLogProbability = Self.logSoftmax(base.logits, at: predicted)
        var deltas: [Double] = []
        for set in sets {
            guard !set.isEmpty else {
                deltas.append(0)
                continue
            }
            let knocked = try run(
                ids, plan: PassPlan(logits: .lastPosition, resume: base.residual, knockouts: set), attentionMask: attentionMask)
            deltas.append(Self.logSoftmax(knocked.logits, at: predicted) - baseLogProbability)
        }
        return KnockoutEffects(predictedTokenID: predicted, baseLogProbability: baseLogProbability, deltas: deltas)
    }

    /// log softmax(logits)[index], in double precision.
    static func logSoftmax(_ logits: [Float], at index: Int) -> Double {
        let top = Double(logits.max() ?? 0)
        var sum = 0.0
        for v in logits { sum += exp(Double(v) - top) }
        return Double(logits[index]) - top - log(sum)
    }
}
