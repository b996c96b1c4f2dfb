import Foundation
import ReverseAttention
import Tokenization

/// What names a line's record in the output: the line's `id` as JSON (so `"1"` and `1` differ),
/// or, for a line that has no usable id (not JSON, not an object, no id), its line number.
enum RecordKey: Hashable, CustomStringConvertible {
    case id(String)
    case line(Int)

    var description: String {
        switch self {
        case .id(let literal): "id \(literal)"
        case .line(let number): "line \(number)"
        }
    }

    /// An `id` value as a key: a string or an integer, nil for anything else.
    init?(id value: JSONValue) {
        if let id = value.string {
            self = .id(jsonString(id))
        } else if let id = value.int {
            self = .id(String(id))
        } else {
            return nil
        }
    }

    /// The record's first member, as written: `"id":…` or `"line":…`.
    var member: String {
        switch self {
        case .id(let literal): #""id":"# + literal
        case .line(let number): #""line":\#(number)"#
        }
    }
}

/// One input line read: its key and, when it is a JSON object with an id, its fields.
struct BatchLine {
    let key: RecordKey
    let bytes: [UInt8]
    let value: JSONValue?
    /// Why the line cannot be run (set when `value` is nil).
    let problem: String?

    init(_ line: LineReader.Line) {
        bytes = line.bytes
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(line.bytes) } catch {
            (key, value, problem) = (.line(line.number), nil, "line \(line.number) is not valid JSON: \(error.message) at byte \(error.offset)")
            return
        }
        guard parsed.object != nil else {
            (key, value, problem) = (.line(line.number), nil, "line \(line.number) must be a JSON object, got \(parsed.kind)")
            return
        }
        guard let id = parsed["id"] else {
            (key, value, problem) = (.line(line.number), nil, "line \(line.number) has no id")
            return
        }
        guard let key = RecordKey(id: id) else {
            (self.key, value, problem) = (.line(line.number), nil, "line \(line.number): id must be a string or an integer, got \(id.kind)")
            return
        }
        (self.key, value, problem) = (key, parsed, nil)
    }
}

/// The input's keys, each with the line it is on: an id on two lines is an error.
struct InputKeys {
    private var lines: [RecordKey: Int] = [:]

    mutating func add(_ key: RecordKey, line: Int) throws {
        if let first = lines.updateValue(line, forKey: key) {
            throw TraceError("input: \(key) appears on lines \(first) and \(line); ids must be unique")
        }
    }

    func contains(_ key: RecordKey) -> Bool { lines[key] != nil }
}

/// The output records: `{"id", "trace"}` (or `"generation"`), `{"id", "error"}`, and
/// `{"line", "error"}` for a line without a usable id; the key always comes first.
enum BatchRecord {
    static func result(_ key: RecordKey, field: String, json: String, warnings: [String]) -> String {
        var record = "{" + key.member + #",""# + field + #"":"# + json
        if !warnings.isEmpty { record += #","warnings":["# + warnings.map(jsonString).joined(separator: ",") + "]" }
        return record + "}"
    }

    static func error(_ key: RecordKey, _ message: String) -> String {
        "{" + key.member + #","error":"# + jsonString(message) + "}"
    }

    /// The key of a record written by `rat batch`, or nil when the line is not one.
    static func key(of bytes: [UInt8]) -> RecordKey? {
        guard let value = try? JSONParser.parse(bytes), let first = value.object?.first,
              value["trace"] != nil || value["generation"] != nil || value["error"] != nil else { return nil }
        switch first.key {
        case "id": return RecordKey(id: first.value)
        case "line": return first.value.int.map(RecordKey.line)
        default: return nil
        }
    }
}
