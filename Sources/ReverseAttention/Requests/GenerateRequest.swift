import Foundation
import ModelRuntime

/// One generation's prompt and options: `rat generate`'s flags as JSON fields (a `rat serve`
/// `/api/generate` body, a `rat batch --generate` line). The model writes up to `maxNewTokens`
/// tokens and each is traced as `rat generate` traces it.
public struct GenerateRequest: Sendable {
    /// The fields a JSON request may carry besides the input.
    public static let optionNames = PathFields.names.union([
        "max_new_tokens", "temperature", "sample_top_k", "top_p", "min_p", "repetition_penalty", "seed", "stop", "ignore_eos",
        "trace_from", "sink", "sink_positions",
    ])

    /// The prompt: a text, token ids, or a conversation for the chat template.
    public var input: TraceInput
    /// The most tokens to write (`max_new_tokens`).
    public var maxNewTokens = 64
    /// Greedy unless a temperature is given, as `rat generate`.
    public var sampling = SamplingOptions.greedy
    /// Stop once the written text contains one of these (kept in the text).
    public var stops: [String] = []
    /// Keep writing past end-of-sequence ids: only `maxNewTokens`, a stop string or `onToken` end
    /// the generation.
    public var ignoreEOS = false
    /// Which position each written token's paths start from: its predecessor, or the token itself.
    public var traceFrom = TraceOrigin.predecessor
    /// The traced layer and the path search's options, for every written token.
    public var paths = PathFields()
    /// What each search does with attention sinks; nil = the attention as it is.
    public var sink: SinkOptions? = nil
    /// Layers kept for one explorer over the prompt and every written token (`rat generate --output`).
    public var explore = ExploreLayers.none
    /// Candidates the explorer keeps per row; the page explores `top_k` up to it.
    public var exploreCap = ExplorerData.defaultCap

    /// A request for `input` with `rat generate`'s defaults.
    public init(input: TraceInput) { self.input = input }

    /// A request from JSON fields; absent ones take `defaults`' values. `max_new_tokens` may be
    /// at most `maxNewTokensLimit`.
    public init(fields f: RequestFields, defaults: GenerateRequest, maxNewTokensLimit: Int = Int(Int32.max)) throws(RequestError) {
        self = defaults
        input = try f.input()
        maxNewTokens = try f.int("max_new_tokens", default: defaults.maxNewTokens, in: 1...max(1, maxNewTokensLimit))
        let d = defaults.sampling
        sampling = SamplingOptions(
            temperature: try f.double("temperature", default: d.temperature),
            topK: try f.int("sample_top_k", default: d.topK, in: 0...Int(Int32.max)),
            topP: try f.double("top_p", default: d.topP), minP: try f.double("min_p", default: d.minP),
            repetitionPenalty: try f.double("repetition_penalty", default: d.repetitionPenalty),
            seed: UInt64(try f.int("seed", default: Int(clamping: d.seed), in: 0...Int.max)))
        do { try sampling.validate() } catch { throw RequestError(error.message) }
        if f.has("stop") { stops = try f.strings("stop") }
        if stops.contains("") { throw RequestError("stop needs non-empty strings") }
        ignoreEOS = try f.bool("ignore_eos", default: defaults.ignoreEOS)
        traceFrom = try f.choice("trace_from", default: defaults.traceFrom, TraceOrigin.allCases)
        paths = try f.pathFields(defaults: defaults.paths)
        sink = try f.sink(default: defaults.sink)
    }
}

extension ReverseAttentionTracer {
    /// What `generate(_:promptIDs:)` would refuse, checked before any work (the server answers
    /// 400 before its stream starts): an empty prompt, ids outside the vocabulary, a bad layer.
    public func check(_ request: GenerateRequest, promptIDs: [Int]) throws {
        guard !promptIDs.isEmpty else { throw TraceError("the prompt has no tokens: nothing to generate from") }
        let vocabulary = model.config.vocabularySize
        if let bad = promptIDs.first(where: { $0 < 0 || $0 >= vocabulary }) {
            throw TraceError("token id \(bad) out of range: the vocabulary has \(vocabulary) tokens")
        }
        _ = try model.resolveLayer(request.paths.layer)
    }

    /// Runs one generation request on prompt ids already encoded (`request.input.encode`), with
    /// its own sampler; `onToken` sees each written id and the text so far and returns whether
    /// to go on (the request's stop strings are checked here).
    public func generate(
        _ request: GenerateRequest, promptIDs: [Int], onToken: (_ id: Int, _ text: String) -> Bool = { _, _ in true }
    ) throws -> GenerationTrace {
        try check(request, promptIDs: promptIDs)
        var sampler = try Sampler(request.sampling)
        var written: [Int] = []
        let p = request.paths
        return try generate(
            promptIDs: promptIDs, maxNewTokens: request.maxNewTokens, endOfSequence: request.ignoreEOS ? [] : nil, layer: p.layer,
            aggHeads: p.aggHeads, topBeam: p.topBeam, topK: p.topK, minAttn: p.minAttn, lengthNorm: p.lengthNorm,
            stopAtBOS: p.stopAtBOS, bosTokenID: p.bosTokenID, search: p.search, traceFrom: request.traceFrom,
            explore: request.explore, exploreCap: request.exploreCap, sink: request.sink,
            choose: { logits, sequence in sampler.next(logits: logits, previous: sequence) },
            onToken: { id in
                written.append(id)
                let text = tokenizer.decode(written)
                return onToken(id, text) && !request.stops.contains(where: { text.contains($0) })
            })
    }
}
