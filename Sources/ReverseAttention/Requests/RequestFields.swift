import Foundation
import Tokenization

/// A request that cannot be carried out as written: the message names the field and what it takes.
public struct RequestError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was wrong, naming the field.
    public let message: String
    /// An error that tells the client `message`.
    public init(_ message: String) { self.message = message }
    /// The message, as a client or `rat batch` record shows it.
    public var description: String { message }
}

/// A JSON object's fields, read with errors that name the field (the names of trace.json and the
/// CLI): a `rat serve` request body or a `rat batch` line. Every field must be one the reader
/// knows: a typo is an error, not a silent default.
public struct RequestFields {
    private let pairs: [(key: String, value: JSONValue)]
    /// The bytes, for the one field read by Foundation (`messages`).
    private let body: [UInt8]

    /// Parses `body`, which must be a JSON object whose fields are all in `allowed`, each once.
    public init(body: [UInt8], allowed: Set<String>) throws(RequestError) {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw RequestError("not valid JSON: \(error.message) at byte \(error.offset)")
        }
        try self.init(value: value, body: body, allowed: allowed)
    }

    /// An object already parsed from `body` (whose bytes are kept for `messages`).
    public init(value: JSONValue, body: [UInt8], allowed: Set<String>) throws(RequestError) {
        guard let pairs = value.object else { throw RequestError("must be a JSON object, got \(value.kind)") }
        var seen: Set<String> = []
        for (key, _) in pairs {
            guard allowed.contains(key) else {
                throw RequestError("unknown field '\(key)'; the fields are \(allowed.sorted().joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw RequestError("field '\(key)' appears twice") }
        }
        self.pairs = pairs
        self.body = body
    }

    /// `messages` as JSON, for `Conversation(json:)`.
    func messagesJSON() throws(RequestError) -> Data {
        let invalid = RequestError("messages must be a list of {\"role\", \"content\"} objects")
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let list = object["messages"] as? [Any],
              let data = try? JSONSerialization.data(withJSONObject: list) else { throw invalid }
        return data
    }

    /// The field's value; nil when it is absent or `null`.
    public func value(_ key: String) -> JSONValue? {
        pairs.first { $0.key == key }.flatMap { $0.value.isNull ? nil : $0.value }
    }

    /// Whether the field is given and not `null`.
    public func has(_ key: String) -> Bool { value(key) != nil }

    /// The field as an integer, `fallback` when absent; an error when it is not a whole number or
    /// lies outside `range`.
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws(RequestError) -> Int {
        guard let v = value(key) else { return fallback }
        guard let i = v.int else { throw RequestError("\(key) must be an integer, got \(v.kind)") }
        if let range, !range.contains(i) {
            throw RequestError("\(key) must be in \(range.lowerBound)...\(range.upperBound), got \(i)")
        }
        return i
    }

    /// The field as an integer, nil when absent; an error when it is not a whole number or lies
    /// outside `range`.
    public func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws(RequestError) -> Int? {
        guard has(key) else { return nil }
        return try int(key, default: 0, in: range)
    }

    /// The field as a finite number, `fallback` when absent.
    public func double(_ key: String, default fallback: Double) throws(RequestError) -> Double {
        guard let v = value(key) else { return fallback }
        guard case .number(let d) = v, d.isFinite else { throw RequestError("\(key) must be a finite number, got \(v.kind)") }
        return d
    }

    /// The field as `true` or `false`, `fallback` when absent.
    public func bool(_ key: String, default fallback: Bool) throws(RequestError) -> Bool {
        guard let v = value(key) else { return fallback }
        guard let b = v.bool else { throw RequestError("\(key) must be true or false, got \(v.kind)") }
        return b
    }

    /// The field as a string, nil when absent.
    public func string(_ key: String) throws(RequestError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw RequestError("\(key) must be a string, got \(v.kind)") }
        return s
    }

    /// The field as a list of strings: a single string is a list of one, an absent field an
    /// empty list.
    public func strings(_ key: String) throws(RequestError) -> [String] {
        guard let v = value(key) else { return [] }
        if let s = v.string { return [s] }
        guard let items = v.array, let list = items.map(\.string) as? [String] else {
            throw RequestError("\(key) must be a string or a list of strings, got \(v.kind)")
        }
        return list
    }

    /// One of a fixed set of spellings (an enum's raw values).
    public func choice<T: RawRepresentable>(_ key: String, default fallback: T, _ cases: [T]) throws(RequestError) -> T where T.RawValue == String {
        guard let text = try string(key) else { return fallback }
        guard let found = cases.first(where: { $0.rawValue == text }) else {
            throw RequestError("\(key) must be one of \(cases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
        }
        return found
    }
}

/// A JSON string literal for `text`.
public func jsonString(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(text)) ?? Data(#""""#.utf8), as: UTF8.self)
}
