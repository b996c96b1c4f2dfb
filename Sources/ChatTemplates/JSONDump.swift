/// Python's `json.dumps(x, ensure_ascii=..., indent=..., separators=..., sort_keys=...)`, which is
/// what transformers' `tojson` filter calls: `", "` and `": "` separators without indent, `","`
/// with it, floats as `repr`, non-ASCII text kept as is unless `ensure_ascii`.
enum JSONDump {
    static func dump(_ value: Value, ensureASCII: Bool, indent: Value?, separators: Value?, sortKeys: Bool,
                     interpreter: Interpreter) throws(TemplateError) -> String
    {
        var indentText: String?
        switch indent {
        case nil, .none?: indentText = nil
        case .string(let s)?: indentText = s
        case .int(let n)?:
            try Operators.checkWidth(n)
            indentText = String(repeating: " ", count: max(0, n))
        case .bool(let b)?: indentText = b ? " " : ""
        case let other?: throw TemplateError(.runtime, "can't multiply sequence by non-int of type '\(other.typeName)'")
        }
        var itemSeparator = indentText == nil ? ", " : ","
        var keySeparator = ": "
        if let separators, !Filters.isNone(separators) {
            let parts = try interpreter.iterate(separators)
            guard parts.count == 2, case .string(let a) = parts[0], case .string(let b) = parts[1] else {
                throw TemplateError(.runtime, "separators must be a pair of strings")
            }
            itemSeparator = a
            keySeparator = b
        }
        var writer = Writer(ensureASCII: ensureASCII, indent: indentText, itemSeparator: itemSeparator,
                            keySeparator: keySeparator, sortKeys: sortKeys)
        try writer.write(value, level: 0)
        return writer.out
    }

    private struct Writer {
        let ensureASCII: Bool
        let indent: String?
        let itemSeparator: String
        let keySeparator: String
        let sortKeys: Bool
        var out = ""

        init(ensureASCII: Bool, indent: String?, itemSeparator: String, keySeparator: String, sortKeys: Bool) {
            self.ensureASCII = ensureASCII
            self.indent = indent
            self.itemSeparator = itemSeparator
            self.keySeparator = keySeparator
            self.sortKeys = sortKeys
        }

        mutating func newline(_ level: Int) {
            guard let indent else { return }
            out += "\n"
            for _ in 0..<level { out += indent }
        }

        mutating func write(_ value: Value, level: Int) throws(TemplateError) {
            guard level < maxValueDepth else { throw TemplateError(.limit, "value nested too deeply for tojson") }
            switch value {
            case .none: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .double(let d):
                if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else {
                    out += pythonFloatRepr(d)
                }
            case .string(let s), .markup(let s): writeString(s)
            case .list(let items), .tuple(let items):
                if items.isEmpty { out += "[]"; return }
                out += "["
                for (i, item) in items.enumerated() {
                    if i > 0 { out += itemSeparator }
                    newline(level + 1)
                    try write(item, level: level + 1)
                }
                newline(level)
                out += "]"
            case .dict(let d):
                if d.isEmpty { out += "{}"; return }
                var order = Array(0..<d.count)
                if sortKeys {
                    let sorted = try Filters.sortedStable(order.map { Value.int($0) }, key: { (i: Value) -> Value in
                        guard case .int(let k) = i else { return i }
                        return d.keys[k]
                    }, reverse: false)
                    order = sorted.compactMap { if case .int(let k) = $0 { return k } else { return nil } }
                }
                out += "{"
                for (n, i) in order.enumerated() {
                    if n > 0 { out += itemSeparator }
                    newline(level + 1)
                    switch d.keys[i] {
                    case .string(let s): writeString(s)
                    case .int(let k): writeString(String(k))
                    case .double(let k): writeString(k.isNaN ? "NaN" : k.isInfinite ? (k < 0 ? "-Infinity" : "Infinity") : pythonFloatRepr(k))
                    case .bool(let b): writeString(b ? "true" : "false")
                    case .none: writeString("null")
                    case let other:
                        throw TemplateError(.runtime, "keys must be str, int, float, bool or None, not \(other.typeName)")
                    }
                    out += keySeparator
                    try write(d.values[i], level: level + 1)
                }
                newline(level)
                out += "}"
            default:
                throw TemplateError(.runtime, "Object of type \(value.typeName) is not JSON serializable")
            }
            try Operators.checkSize(out.utf8.count)
        }

        mutating func writeString(_ s: String) {
            out += "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                default:
                    if c.value < 0x20 || (ensureASCII && c.value > 0x7E) {
                        if c.value > 0xFFFF {
                            let v = c.value - 0x10000
                            out += hex4(0xD800 + (v >> 10))
                            out += hex4(0xDC00 + (v & 0x3FF))
                        } else {
                            out += hex4(c.value)
                        }
                    } else {
                        out.unicodeScalars.append(c)
                    }
                }
            }
            out += "\""
        }

        func hex4(_ v: UInt32) -> String {
            let h = String(v, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - h.count) + h
        }
    }
}
