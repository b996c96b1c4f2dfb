import Foundation

/// A value passed to a chat template: the JSON data model (as Python's `json.loads` produces it,
/// so integers and floats stay distinct) plus `undefined`.
///
/// Objects keep their key order: `tojson`, `items()` and loops over a mapping show keys in the
/// order the caller gave them, as Python dicts do.
public enum TemplateValue: Sendable, Equatable {
    /// A variable that is not there; the same as leaving the key out of the context.
    case undefined
    /// Python's `None` (JSON `null`).
    case none
    /// Python's `True` or `False`.
    case bool(Bool)
    /// An integer (from JSON: a number without a fraction or exponent that fits in `Int`).
    case int(Int)
    /// A float (from JSON: any other number, `NaN` and `Infinity` included).
    case double(Double)
    /// A string (Python `str`).
    case string(String)
    /// A list (JSON array).
    case array([TemplateValue])
    /// A mapping (JSON object), its keys in the order given.
    case object([(key: String, value: TemplateValue)])

    /// Equality as the template language compares values: strings by their Unicode scalars, objects key by key in order.
    public static func == (a: TemplateValue, b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of `key` in an object, nil for anything else or a missing key.
    public subscript(key: String) -> TemplateValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }
}

extension TemplateValue {
    /// Parses JSON text; integers without a fraction or exponent become `.int`, as in Python.
    public init(json: String) throws(TemplateError) {
        self = try JSONText.parse(Array(json.utf8))
    }

    /// Parses JSON bytes (UTF-8).
    public init(jsonData: Data) throws(TemplateError) {
        self = try JSONText.parse([UInt8](jsonData))
    }

    /// Converts the output of Foundation's `JSONSerialization`.
    ///
    /// `NSDictionary` has no key order, so keys come out sorted; pass JSON text to
    /// `init(json:)` when order matters (it does for `tojson` of tool schemas).
    public init(jsonObject: Any) throws(TemplateError) {
        switch jsonObject {
        case is NSNull: self = .none
        case let s as String: self = .string(s)
        case let n as NSNumber:
            // On Linux CFBooleanGetTypeID is unavailable; booleans are a distinct NSNumber subclass.
            if type(of: n) == type(of: NSNumber(value: true)) {
                self = .bool(n.boolValue)
            } else if ["d", "f"].contains(String(cString: n.objCType)) {
                self = .double(n.doubleValue)
            } else {
                self = .int(n.intValue)
            }
        case let a as [Any]:
            var items: [TemplateValue] = []
            items.reserveCapacity(a.count)
            for element in a { items.append(try TemplateValue(jsonObject: element)) }
            self = .array(items)
        case let d as [String: Any]:
            var pairs: [(key: String, value: TemplateValue)] = []
            for key in d.keys.sorted() { pairs.append((key, try TemplateValue(jsonObject: d[key]!))) }
            self = .object(pairs)
        default:
            throw TemplateError(.runtime, "cannot convert \(type(of: jsonObject)) to a template value")
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string, from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer, from a literal.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A float, from a literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A boolean, from a literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A list, from an array literal.
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    /// Keeps the literal's key order.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
    /// `none`, from `nil`.
    public init(nilLiteral: ()) { self = .none }
}

/// A small JSON parser that keeps object key order and tells integers from floats.
enum JSONText {
    static func parse(_ bytes: [UInt8]) throws(TemplateError) -> TemplateValue {
        var parser = Parser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.i == bytes.count else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ message: String) -> TemplateError {
            TemplateError(.syntax, "invalid JSON at byte \(i): \(message)")
        }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func value(depth: Int) throws(TemplateError) -> TemplateValue {
            guard depth < 256 else { throw fail("nesting too deep") }
            guard i < bytes.count else { throw fail("unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var pairs: [(key: String, value: TemplateValue)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    let v = try value(depth: depth + 1)
                    // Python keeps the last value of a repeated key, at the first key's position.
                    if let k = pairs.firstIndex(where: { $0.key == key }) { pairs[k].value = v } else { pairs.append((key, v)) }
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end in an object") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                    throw fail("expected ',' or '}'")
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [TemplateValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("unexpected end in an array") }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                    throw fail("expected ',' or ']'")
                }
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .none
            case UInt8(ascii: "N"): try literal("NaN"); return .double(.nan)
            case UInt8(ascii: "I"): try literal("Infinity"); return .double(.infinity)
            default: return try number()
            }
        }

        mutating func literal(_ word: String) throws(TemplateError) {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw fail("invalid literal") }
            i += w.count
        }

        mutating func number() throws(TemplateError) -> TemplateValue {
            let start = i
            if i < bytes.count, bytes[i] == UInt8(ascii: "-") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "I") { try literal("Infinity"); return .double(-.infinity) }
            }
            var isFloat = false
            while i < bytes.count {
                let b = bytes[i]
                if b >= 0x30 && b <= 0x39 {
                    i += 1
                } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
                    || ((b == UInt8(ascii: "+") || b == UInt8(ascii: "-")) && isFloat)
                {
                    isFloat = true
                    i += 1
                } else {
                    break
                }
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            if !isFloat, let n = Int(text) { return .int(n) }
            guard let d = Double(text), !text.isEmpty, text != "-" else { throw fail("invalid number '\(text)'") }
            return .double(d)
        }

        mutating func string() throws(TemplateError) -> String {
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if b != UInt8(ascii: "\\") { out.append(b); i += 1; continue }
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if code >= 0xD800, code < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                        bytes[i + 1] == UInt8(ascii: "u")
                    {
                        let save = i
                        i += 2
                        let low = try hex4()
                        if low >= 0xDC00, low < 0xE000 {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            i = save
                        }
                    }
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("invalid escape")
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(TemplateError) -> UInt32 {
            guard i + 4 <= bytes.count else { throw fail("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }
    }
}
