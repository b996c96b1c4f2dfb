import Foundation
import ReverseAttention

/// A request body's fields, read with errors that name the field (the names of trace.json and the
/// CLI). Every field must be one the endpoint knows: a typo is an error, not a silent default.
struct RequestFields {
    private let pairs: [(key: String, value: JSONValue)]
    /// The body as Foundation objects, for the one field read by Foundation (`messages`).
    private let raw: [String: Any]

    init(body: [UInt8], allowed: Set<String>) throws(APIError) {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw .badRequest("the body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard let pairs = value.object else { throw .badRequest("the body must be a JSON object, got \(value.kind)") }
        var seen: Set<String> = []
        for (key, _) in pairs {
            guard allowed.contains(key) else {
                throw .badRequest("unknown field '\(key)'; this endpoint takes \(allowed.sorted().joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw .badRequest("field '\(key)' appears twice") }
        }
        self.pairs = pairs
        raw = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    private func value(_ key: String) -> JSONValue? {
        pairs.first { $0.key == key }.flatMap { $0.value.isNull ? nil : $0.value }
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws(APIError) -> Int {
        guard let v = value(key) else { return fallback }
        guard let i = v.int else { throw .badRequest("\(key) must be an integer, got \(v.kind)") }
        if let range, !range.contains(i) {
            throw .badRequest("\(key) must be in \(range.lowerBound)...\(range.upperBound), got \(i)")
        }
        return i
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(APIError) -> Int? {
        guard has(key) else { return nil }
        return try int(key, default: 0, in: range)
    }

    func double(_ key: String, default fallback: Double) throws(APIError) -> Double {
        guard let v = value(key) else { return fallback }
        guard case .number(let d) = v, d.isFinite else { throw .badRequest("\(key) must be a finite number, got \(v.kind)") }
        return d
    }

    func bool(_ key: String, default fallback: Bool) throws(APIError) -> Bool {
        guard let v = value(key) else { return fallback }
        guard let b = v.bool else { throw .badRequest("\(key) must be true or false, got \(v.kind)") }
        return b
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw .badRequest("\(key) must be a string, got \(v.kind)") }
        return s
    }

    func strings(_ key: String) throws(APIError) -> [String] {
        guard let v = value(key) else { return [] }
        if let s = v.string { return [s] }
        guard let items = v.array, let list = items.map(\.string) as? [String] else {
            throw .badRequest("\(key) must be a string or a list of strings, got \(v.kind)")
        }
        return list
    }

    /// One of a fixed set of spellings (an enum's raw values).
    func choice<T: RawRepresentable>(_ key: String, default fallback: T, _ cases: [T]) throws(APIError) -> T where T.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let found = cases.first(where: { $0.rawValue == text }) else {
            throw .badRequest("\(key) must be one of \(cases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return found
    }

    /// The traced layer and search options both `/api/trace` and `/api/generate` take
    /// (`PathFields.names`), with the CLI's defaults.
    func pathFields() throws(APIError) -> PathFields {
        let lengthNorm = try string("length_norm") ?? "avg_logprob"
        do { _ = try LengthNormalization(parsing: lengthNorm) } catch { throw .badRequest("length_norm: \(error.message)") }
        return PathFields(
            layer: try int("layer", default: -1), aggHeads: try choice("agg_heads", default: HeadAggregation.mean, [.mean, .max]),
            topBeam: try int("top_beam", default: 5, in: 1...1000), topK: try int("top_k", default: 5, in: 1...1000),
            minAttn: try double("min_attn", default: 0), lengthNorm: lengthNorm, stopAtBOS: try bool("stop_at_bos", default: true),
            bosTokenID: try optionalInt("bos_token_id"), search: try choice("search", default: SearchMode.beam, SearchMode.allCases))
    }

    /// `sink` and `sink_positions`, as `--sink` and `--sink-positions`; nil when neither is given.
    func sink() throws(APIError) -> SinkOptions? {
        guard has("sink") || has("sink_positions") else { return nil }
        let handling = try choice("sink", default: SinkHandling.keep, SinkHandling.allCases)
        guard let v = value("sink_positions") else { return SinkOptions(handling) }
        guard let items = v.array, let positions = items.map(\.int) as? [Int] else {
            throw .badRequest("sink_positions must be a list of integers")
        }
        return SinkOptions(handling, positions: positions)
    }

    /// The input: exactly one of `text`, `ids`, `messages`.
    func input() throws(APIError) -> RequestInput {
        let given = ["text", "ids", "messages"].filter(has)
        guard given.count == 1 else {
            throw .badRequest(given.isEmpty ? "give the input as text, ids or messages" : "give only one of text, ids, messages (got \(given.joined(separator: ", ")))")
        }
        switch given[0] {
        case "text":
            let text = try string("text")!
            guard !text.isEmpty else { throw .badRequest("text is empty: nothing to trace") }
            return .text(text)
        case "ids":
            guard let items = value("ids")?.array, let ids = items.map(\.int) as? [Int] else {
                throw .badRequest("ids must be a list of integers")
            }
            guard !ids.isEmpty else { throw .badRequest("ids is empty: nothing to trace") }
            return .ids(ids)
        default:
            guard let list = raw["messages"] as? [Any] else { throw .badRequest("messages must be a list of {\"role\", \"content\"} objects") }
            let data: Data
            do { data = try JSONSerialization.data(withJSONObject: list) } catch {
                throw .badRequest("messages must be a list of {\"role\", \"content\"} objects")
            }
            do { return .messages(try Conversation(json: data, origin: "messages")) } catch {
                throw .badRequest(error.description)
            }
        }
    }
}

/// The traced layer and the path search's options, as trace.json and the CLI name them.
struct PathFields {
    static let names: Set<String> = [
        "layer", "agg_heads", "top_beam", "top_k", "min_attn", "length_norm", "stop_at_bos", "bos_token_id", "search",
    ]
    let layer: Int
    let aggHeads: HeadAggregation
    let topBeam, topK: Int
    let minAttn: Double
    let lengthNorm: String
    let stopAtBOS: Bool
    let bosTokenID: Int?
    let search: SearchMode
}

/// What a request traces or continues.
enum RequestInput {
    case text(String)
    case ids([Int])
    case messages(Conversation)

    /// The ids, the text shown in trace.json's metadata, and whether the mask comes from the pad
    /// token (ids, as the reference's `trace(input_ids)`) or is all ones (text, a rendering).
    func encode(with tokenizer: Tokenizer) throws(APIError) -> (ids: [Int], text: String?, padMask: Bool) {
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
                throw .badRequest("messages: \(error.description)")
            }
        }
    }
}
