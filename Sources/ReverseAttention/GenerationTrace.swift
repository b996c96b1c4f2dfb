import Foundation

/// What `ReverseAttentionTracer.generate` returns: the prompt, what the model wrote, and for each
/// written token the paths back from the position that predicted it.
public struct GenerationTrace: Sendable, Encodable {
    /// The prompt's token ids.
    public let promptIDs: [Int]
    /// The ids the model wrote, in order; an end-of-sequence id that stopped it is the last.
    public let generatedIDs: [Int]
    /// The generated ids decoded.
    public let text: String
    /// Why the generation stopped: an end-of-sequence id, `maxNewTokens` reached, or `onToken`
    /// asked to stop (a stop string, Ctrl-C, a client gone).
    public let finishReason: FinishReason
    /// One per generated token: over the prompt and the generated tokens up to it, traced from the
    /// token's predecessor position (its output distribution produced the token), or from the
    /// token's own position with `traceFrom: .token`.
    public let traces: [TraceResult]
    /// prefill_s, decode_s, search_s, tokens_per_s; a caller may add its own (the CLI adds load_s).
    public var timings: [String: Double]
    /// With `explore`: the whole text's explorer (prompt and every written token), for one page
    /// that traces any of them at any explored layer (not part of generation.json).
    public var explorer: ExplorerData?

    enum CodingKeys: String, CodingKey {
        case promptIDs = "prompt_ids", generatedIDs = "generated_ids", text, finishReason = "finish_reason", traces, timings
    }

    /// generation.json on one line, keys sorted: what `rat generate --json` prints.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

/// Which position a generated token's paths start from.
public enum TraceOrigin: String, Sendable, CaseIterable {
    /// The position before the token, whose output distribution produced it.
    case predecessor
    /// The token's own position, as the reference's concept page traces "Berlin" in "The capital
    /// of France is Berlin" (one more step runs the last token through the traced layer).
    case token
}

extension ReverseAttentionTracer {
    /// Generates greedily (or with `choose`) after `promptIDs`, keeping the traced layer's rows
    /// from the generation's own passes, then traces every generated token from its predecessor
    /// position (its own with `traceFrom: .token`) with the same options as `trace` (no second
    /// pass over the text). Stops at the tokenizer's end-of-sequence and end-of-turn ids and the
    /// folder's generation_config.json `eos_token_id`s, unless `endOfSequence` says otherwise.
    public func generate(
        promptIDs: [Int], maxNewTokens: Int = 64, endOfSequence: Set<Int>? = nil, layer: Int = -1,
        aggHeads: HeadAggregation = .mean, topBeam: Int = 5, topK: Int = 5, minAttn: Double = 0,
        lengthNorm: String = "avg_logprob", stopAtBOS: Bool = true, bosTokenID: Int? = nil, search: SearchMode = .beam,
        traceFrom origin: TraceOrigin = .predecessor, explore: ExploreLayers = .none, exploreCap: Int = ExplorerData.defaultCap,
        sink: SinkOptions? = nil,
        choose: (([Float], [Int]) -> Int)? = nil, onToken: (Int) -> Bool = { _ in true }
    ) throws -> GenerationTrace {
        guard topBeam >= 1 else { throw TraceError("top_beam must be >= 1, got \(topBeam)") }
        guard topK >= 1 else { throw TraceError("top_k must be >= 1, got \(topK)") }
        guard aggHeads != .none else {
            throw TraceError("agg_heads 'none' is not supported for beam search. Use 'mean' or 'max' to aggregate attention heads.")
        }
        let normalization = try LengthNormalization(parsing: lengthNorm)
        let stops = endOfSequence ?? tokenizer.endOfGenerationIDs.union(generationConfigStops(for: model))
        guard (1...AttentionCandidates.maximumCap).contains(exploreCap) else {
            throw TraceError("explore cap must be 1...\(AttentionCandidates.maximumCap), got \(exploreCap)")
        }
        let (explored, note) = try explore.resolve(
            traced: try model.resolveLayer(layer), layerCount: model.config.layerCount, tokens: promptIDs.count + maxNewTokens,
            resolveLayer: model.resolveLayer)
        let candidatePlan = explored.isEmpty
            ? nil : ExplorerData.plan(layers: explored, cap: max(exploreCap, topK), sinks: sink?.positions, tokens: promptIDs.count)
        let generation = try model.generate(
            promptIDs: promptIDs, maxNewTokens: maxNewTokens, endOfSequence: stops, capture: (layer, aggHeads),
            captureLastToken: origin == .token, candidates: candidatePlan, choose: choose ?? { logits, _ in greedyToken(logits) },
            onToken: onToken)
        let searchStart = Date()
        var traces: [TraceResult] = []
        for (i, _) in generation.generatedIDs.enumerated() {
            let ids = promptIDs + generation.generatedIDs.prefix(i + 1)
            let (result, _) = try searchResult(
                .matrix(generation.attention!), inputIDs: ids, target: promptIDs.count + i - (origin == .token ? 0 : 1),
                mask: Array(repeating: true, count: ids.count), topBeam: topBeam, topK: topK, minAttn: minAttn,
                aggHeads: aggHeads, normalization: normalization, stopAtBOS: stopAtBOS, bosTokenID: bosTokenID,
                search: search, text: nil, sink: sink)
            traces.append(result)
        }
        let decode = generation.decodeSeconds
        let all = promptIDs + generation.generatedIDs
        let bosID = bosTokenID ?? tokenizer.bosTokenID
        return GenerationTrace(
            promptIDs: promptIDs, generatedIDs: generation.generatedIDs, text: tokenizer.decode(generation.generatedIDs),
            finishReason: generation.finishReason, traces: traces,
            timings: ["prefill_s": generation.prefillSeconds, "decode_s": decode, "search_s": Date().timeIntervalSince(searchStart),
                      "tokens_per_s": decode > 0 ? Double(generation.generatedIDs.count) / decode : 0],
            explorer: generation.candidates.map { candidates in
                ExplorerData(candidates: candidates, bosPositions: bosID.map { id in all.indices.filter { all[$0] == id } } ?? [],
                             tokenIDs: all, note: note)
            })
    }
}
