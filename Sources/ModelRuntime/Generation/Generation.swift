import Foundation

/// Why a generation stopped.
public enum FinishReason: String, Sendable, Codable {
    /// The model wrote one of the end-of-sequence ids (kept as the last generated id).
    case endOfSequence = "eos"
    /// `maxNewTokens` were written.
    case length
    /// The caller's `onToken` asked to stop (a stop string, Ctrl-C).
    case stopped
}

/// A prompt and what the model wrote after it, with the traced layer's attention over every
/// position the model read (prompt and generated tokens but the last, which was never fed back).
public struct Generation: Sendable {
    /// The prompt's token ids, as given.
    public var promptIDs: [Int]
    /// The ids written after the prompt, in order, ending with the end-of-sequence id when the
    /// model wrote one.
    public var generatedIDs: [Int]
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// `[size][size]` rows of the captured layer (aggregated), assembled from the prefill and every
    /// step: row `p` is what position `p` attended to when the model read it. nil without a capture.
    public var attention: AttentionCapture?
    /// With a candidate plan: every position's strongest predecessors in the plan's layers, the
    /// last written token included (one more step reads it).
    public var candidates: AttentionCandidates?
    /// Wall-clock seconds of the prompt's pass.
    public var prefillSeconds: Double
    /// Wall-clock seconds from the end of the prefill to the end: every later step, with the token
    /// choices and `onToken` calls.
    public var decodeSeconds: Double
}

extension CausalLanguageModel {
    /// Writes up to `maxNewTokens` tokens after `promptIDs`: one prefill, then one token per step
    /// on a KV cache, the LM head for the last position only. `choose` picks each token from the
    /// last position's logits and the sequence so far (greedy by default); `onToken` sees each one
    /// as it is written and returns false to stop. With `capture`, that layer's attention rows
    /// (aggregated over heads) are kept from the passes themselves: no second pass.
    /// `captureLastToken` also runs the last written token through the traced layer (one more
    /// step, no LM head), so that every written token has its own attention row; so does a
    /// `candidates` plan, whose rows every pass keeps.
    public func generate(
        promptIDs: [Int], maxNewTokens: Int, endOfSequence: Set<Int>, capture: (layer: Int, aggregation: HeadAggregation)? = nil,
        captureLastToken: Bool = false, candidates candidatePlan: CandidatePlan? = nil,
        choose: (_ logits: [Float], _ sequence: [Int]) -> Int = { logits, _ in greedyToken(logits) },
        onToken: (Int) -> Bool = { _ in true }
    ) throws(ModelError) -> Generation {
        guard maxNewTokens >= 1 else { throw ModelError("max new tokens must be at least 1 (got \(maxNewTokens))") }
        guard !promptIDs.isEmpty else { throw ModelError("no token ids: the prompt is empty") }
        if config.maxPositions > 0, promptIDs.count + maxNewTokens > config.maxPositions {
            throw ModelError("the prompt (\(promptIDs.count) tokens) plus \(maxNewTokens) new tokens is longer than the model's context of \(config.maxPositions) positions")
        }
        var layer: Int?
        if let capture {
            guard capture.aggregation != .none else { throw ModelError("generation keeps aggregated attention: use mean or max") }
            layer = try resolveLayer(capture.layer)
        }
        let plan = PassPlan(captures: layer.map { [$0: capture!.aggregation] } ?? [:], logits: .lastPosition, candidates: candidatePlan)
        var candidateParts: [AttentionCandidates] = []
        let cache = KVCache(for: self, capacity: promptIDs.count + maxNewTokens)
        var sequence = promptIDs, generated: [Int] = [], rows: [[Float]] = []
        var finish = FinishReason.length
        let start = DispatchTime.now().uptimeNanoseconds
        var step = try run(promptIDs, plan: plan, cache: cache)
        let prefillEnd = DispatchTime.now().uptimeNanoseconds
        while true {
            if let a = step.attention.first {
                for r in 0..<a.rows { rows.append(Array(a.values[(r * a.size)..<((r + 1) * a.size)])) }
            }
            if let c = step.candidates { candidateParts.append(c) }
            let next = choose(step.logits, sequence)
            guard next >= 0 && next < config.vocabularySize else {
                throw ModelError("the token chooser returned id \(next), outside the vocabulary of \(config.vocabularySize)")
            }
            generated.append(next)
            sequence.append(next)
            if endOfSequence.contains(next) { finish = .endOfSequence; break }
            if !onToken(next) { finish = .stopped; break }
            if generated.count == maxNewTokens { break }
            step = try run([next], plan: plan, cache: cache)
        }
        if finish == .endOfSequence { _ = onToken(generated.last!) }
        if (captureLastToken && layer != nil) || candidatePlan != nil {
            // A cached pass runs every layer (it must fill the cache); no LM head.
            var lastPlan = PassPlan(logits: .none, candidates: candidatePlan)
            if captureLastToken, let layer, let capture { lastPlan.captures = [layer: capture.aggregation] }
            let last = try run([generated.last!], plan: lastPlan, cache: cache)
            if let a = last.attention.first {
                for r in 0..<a.rows { rows.append(Array(a.values[(r * a.size)..<((r + 1) * a.size)])) }
            }
            if let c = last.candidates { candidateParts.append(c) }
        }
        let end = DispatchTime.now().uptimeNanoseconds
        var attention: AttentionCapture?
        if let layer, let capture {
            let size = rows.count
            var values = [Float](repeating: 0, count: size * size)
            for (r, row) in rows.enumerated() { values.replaceSubrange((r * size)..<(r * size + row.count), with: row) }
            attention = AttentionCapture(layer: layer, heads: 1, size: size, values: values, aggregation: capture.aggregation)
        }
        return Generation(promptIDs: promptIDs, generatedIDs: generated, finishReason: finish, attention: attention,
                          candidates: candidateParts.isEmpty ? nil : AttentionCandidates(concatenating: candidateParts),
                          prefillSeconds: Double(prefillEnd - start) / 1e9, decodeSeconds: Double(end - prefillEnd) / 1e9)
    }
}

/// The highest logit, ties to the lowest id (as torch.argmax).
public func greedyToken(_ logits: [Float]) -> Int {
    var best = 0
    for i in 1..<logits.count where logits[i] > logits[best] { best = i }
    return best
}
