import Foundation
import Tokenization

/// What a trace reads: a text (tokenized with special tokens, as `rat trace --text`), token ids
/// (`--ids`, the mask from the pad token, as the reference's `trace(input_ids)`), a conversation
/// rendered with the model's chat template, or a text already rendered and tokenized.
public enum TraceInput: Sendable {
    /// A text, tokenized with the tokenizer's special tokens (such as BOS) added; mask all ones.
    case text(String)
    /// Token ids as given; positions holding the pad token are masked out.
    case ids([Int])
    /// A conversation, rendered with the model's chat template (generation prompt added) and
    /// tokenized without adding special tokens; mask all ones.
    case messages(Conversation)
    /// A conversation the caller rendered and tokenized itself (`rat trace --messages`): the ids
    /// as given, mask all ones, and the text for the metadata.
    case rendered(text: String, ids: [Int])

    /// The ids, the text shown in trace.json's metadata, and whether the mask comes from the pad
    /// token (ids) or is all ones (text, a rendering).
    public func encode(with tokenizer: Tokenizer) throws(RequestError) -> (ids: [Int], text: String?, padMask: Bool) {
        switch self {
        case .text(let text):
            return (tokenizer.encode(text), text, false)
        case .ids(let ids):
            return (ids, nil, true)
        case .messages(let conversation):
            do {
                let text = try tokenizer.applyChatTemplate(conversation, addGenerationPrompt: true)
                return (tokenizer.encode(text, addSpecialTokens: false), text, false)
            } catch {
                throw RequestError("messages: \(error.description)")
            }
        case .rendered(let text, let ids):
            return (ids, text, false)
        }
    }
}

/// The traced layer and the path search's options, as trace.json and the CLI name them.
public struct PathFields: Sendable, Equatable {
    /// The JSON field names of these options.
    public static let names: Set<String> = [
        "layer", "agg_heads", "top_beam", "top_k", "min_attn", "length_norm", "stop_at_bos", "bos_token_id", "search",
    ]
    /// The traced layer; negative counts from the end (-1 = the last).
    public var layer = -1
    /// How the layer's heads are aggregated into one matrix: `mean` or `max`.
    public var aggHeads = HeadAggregation.mean
    /// How many paths to keep (`top_beam`), and how many predecessors of each position to
    /// consider (`top_k`).
    public var topBeam = 5, topK = 5
    /// Attention below this value is never followed.
    public var minAttn = 0.0
    /// How a path's score is normalized by its length: `none`, `avg_logprob`, `sqrt` or
    /// `pow:ALPHA`.
    public var lengthNorm = "avg_logprob"
    /// End a path when it reaches a BOS token.
    public var stopAtBOS = true
    /// The BOS token's id; nil = the tokenizer's.
    public var bosTokenID: Int? = nil
    /// Beam search (the reference's) or exact search.
    public var search = SearchMode.beam

    /// The reference's defaults.
    public init() {}
}

/// One trace's input and options: what `rat trace` is given as flags, a `rat serve` request or a
/// `rat batch` line as JSON fields (`TraceRequest(fields:defaults:)`), and the tracer runs.
public struct TraceRequest: Sendable {
    /// The fields a JSON request may carry besides the input and `explore`.
    public static let optionNames = PathFields.names.union([
        "target_pos", "sink", "sink_positions", "weighting", "across_layers", "verify", "verify_baseline", "verify_seed",
    ])
    /// The fields that carry the input; a request gives exactly one of them.
    public static let inputNames: Set<String> = ["text", "ids", "messages"]
    /// The explorer's fields, which `/api/trace` takes and `rat batch` lines do not.
    public static let exploreNames: Set<String> = ["explore", "explore_cap"]

    /// The text, token ids or conversation to trace.
    public var input: TraceInput
    /// The position to trace back from; negative counts from the end (-1 = the last token).
    public var targetPos = -1
    /// The traced layer and the path search's options.
    public var paths = PathFields()
    /// What the search does with attention sinks; nil = the attention as it is.
    public var sink: SinkOptions? = nil
    /// What the paths are searched over: attention, or value-weighted attention.
    public var weighting = AttentionWeighting.attention
    /// Search paths through layers `0...layer` (see ``LayeredGraph``) instead of within the layer.
    public var acrossLayers = false
    /// Knock out each path's edges and measure the prediction's change (``Faithfulness``);
    /// nil = no check.
    public var verify: VerifyOptions? = nil
    /// Which layers the page can re-trace without the model.
    public var explore = ExploreLayers.none
    /// Candidates the explorer keeps per row; the page explores `top_k` up to it.
    public var exploreCap = ExplorerData.defaultCap

    /// A request for `input` with the reference's defaults: the last token, the last layer.
    public init(input: TraceInput) { self.input = input }

    /// A request from JSON fields; a field that is absent takes its value from `defaults`
    /// (whose input is replaced by the fields' `text`, `ids` or `messages`).
    public init(fields f: RequestFields, defaults: TraceRequest) throws(RequestError) {
        self = defaults
        input = try f.input()
        targetPos = try f.int("target_pos", default: defaults.targetPos)
        paths = try f.pathFields(defaults: defaults.paths)
        sink = try f.sink(default: defaults.sink)
        weighting = try f.choice("weighting", default: defaults.weighting, AttentionWeighting.allCases)
        acrossLayers = try f.bool("across_layers", default: defaults.acrossLayers)
        if try f.bool("verify", default: defaults.verify != nil) {
            let base = defaults.verify ?? VerifyOptions()
            verify = VerifyOptions(
                baselineSets: try f.int("verify_baseline", default: base.baselineSets, in: 0...VerifyOptions.maximumRuns),
                seed: UInt64(try f.int("verify_seed", default: Int(clamping: base.seed), in: 0...Int.max)))
        } else if f.has("verify_baseline") || f.has("verify_seed") {
            throw RequestError("verify_baseline and verify_seed go with verify: true")
        } else {
            verify = nil
        }
        let exploreText = try f.string("explore")
        if let exploreText {
            do { explore = try ExploreLayers(parsing: exploreText) } catch {
                throw RequestError("explore takes all, none, auto, or layers such as 0,5,10-12,-1; got '\(exploreText)'")
            }
        }
        exploreCap = try f.int("explore_cap", default: defaults.exploreCap, in: 1...AttentionCandidates.maximumCap)
    }
}

extension RequestFields {
    /// The traced layer and search options both `/api/trace` and `/api/generate` take
    /// (`PathFields.names`); absent ones from `defaults`.
    public func pathFields(defaults d: PathFields = PathFields()) throws(RequestError) -> PathFields {
        let lengthNorm = try string("length_norm") ?? d.lengthNorm
        do { _ = try LengthNormalization(parsing: lengthNorm) } catch { throw RequestError("length_norm: \(error.message)") }
        var p = PathFields()
        p.layer = try int("layer", default: d.layer)
        p.aggHeads = try choice("agg_heads", default: d.aggHeads, [.mean, .max])
        p.topBeam = try int("top_beam", default: d.topBeam, in: 1...1000)
        p.topK = try int("top_k", default: d.topK, in: 1...1000)
        p.minAttn = try double("min_attn", default: d.minAttn)
        p.lengthNorm = lengthNorm
        p.stopAtBOS = try bool("stop_at_bos", default: d.stopAtBOS)
        p.bosTokenID = try optionalInt("bos_token_id") ?? d.bosTokenID
        p.search = try choice("search", default: d.search, SearchMode.allCases)
        return p
    }

    /// `sink` and `sink_positions`, as `--sink` and `--sink-positions`; `fallback` when neither is given.
    public func sink(default fallback: SinkOptions? = nil) throws(RequestError) -> SinkOptions? {
        guard has("sink") || has("sink_positions") else { return fallback }
        let handling = try choice("sink", default: fallback?.handling ?? SinkHandling.keep, SinkHandling.allCases)
        guard let v = value("sink_positions") else { return SinkOptions(handling, positions: fallback?.positions ?? [0]) }
        guard let items = v.array, let positions = items.map(\.int) as? [Int] else {
            throw RequestError("sink_positions must be a list of integers")
        }
        return SinkOptions(handling, positions: positions)
    }

    /// The input: exactly one of `text`, `ids`, `messages`.
    public func input() throws(RequestError) -> TraceInput {
        let given = ["text", "ids", "messages"].filter(has)
        guard given.count == 1 else {
            throw RequestError(given.isEmpty ? "give the input as text, ids or messages" : "give only one of text, ids, messages (got \(given.joined(separator: ", ")))")
        }
        switch given[0] {
        case "text":
            let text = try string("text")!
            guard !text.isEmpty else { throw RequestError("text is empty: nothing to trace") }
            return .text(text)
        case "ids":
            guard let items = value("ids")?.array, let ids = items.map(\.int) as? [Int] else {
                throw RequestError("ids must be a list of integers")
            }
            guard !ids.isEmpty else { throw RequestError("ids is empty: nothing to trace") }
            return .ids(ids)
        default:
            let json = try messagesJSON()
            do { return .messages(try Conversation(json: json, origin: "messages")) } catch {
                throw RequestError(error.description)
            }
        }
    }
}

extension ReverseAttentionTracer {
    /// Runs one request: its input encoded with this model's tokenizer (unless the caller has
    /// done so, to check its length), then `trace(inputIDs:…)`.
    public func trace(
        _ request: TraceRequest, encoded: (ids: [Int], text: String?, padMask: Bool)? = nil
    ) throws -> (result: TraceResult, warnings: [String]) {
        let (ids, text, padMask) = try encoded ?? request.input.encode(with: tokenizer)
        let p = request.paths
        return try trace(
            inputIDs: ids, targetPos: request.targetPos, attentionMask: padMask ? nil : Array(repeating: 1, count: ids.count),
            layer: p.layer, topBeam: p.topBeam, topK: p.topK, minAttn: p.minAttn, aggHeads: p.aggHeads, lengthNorm: p.lengthNorm,
            stopAtBOS: p.stopAtBOS, bosTokenID: p.bosTokenID, search: p.search, text: text, explore: request.explore,
            exploreCap: request.exploreCap, sink: request.sink, weighting: request.weighting, acrossLayers: request.acrossLayers,
            verify: request.verify)
    }
}
