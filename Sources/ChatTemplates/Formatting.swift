import Foundation

/// Python's printf-style `text % values` (also the `format` filter).
enum PrintfFormat {
    static func format(_ format: String, _ operand: Value) throws(TemplateError) -> String {
        var positional: [Value]
        var mapping: Dict?
        // CPython treats any non-tuple, non-str operand with __getitem__ as a mapping: `%(k)s`
        // looks keys up in it, and unused arguments are not an error.
        var isMapping = false
        switch operand {
        case .tuple(let items): positional = items
        case .dict(let d): positional = [operand]; mapping = d; isMapping = true
        case .list, .undefined: positional = [operand]; isMapping = true
        default: positional = [operand]
        }
        var next = 0
        var out = ""
        let s = format.scalars
        var i = 0
        func fail(_ m: String) -> TemplateError { TemplateError(.runtime, m) }
        while i < s.count {
            guard s[i] == "%" else {
                out.unicodeScalars.append(s[i])
                i += 1
                continue
            }
            i += 1
            guard i < s.count else { throw fail("incomplete format") }
            var value: Value?
            if s[i] == "(" {
                guard let close = s[i...].firstIndex(of: ")") else { throw fail("incomplete format key") }
                let key = String(scalars: s[(i + 1)..<close])
                if case .undefined(let u) = operand { throw u.error }
                guard let mapping else { throw fail("format requires a mapping") }
                guard let v = mapping[key] else { throw TemplateError(.runtime, "KeyError: \(pythonRepr(key))") }
                value = v
                i = close + 1
            }
            var flags = Set<Unicode.Scalar>()
            while i < s.count, "-+ 0#".unicodeScalars.contains(s[i]) {
                flags.insert(s[i])
                i += 1
            }
            var width = ""
            while i < s.count, ("0"..."9").contains(s[i]) { width.unicodeScalars.append(s[i]); i += 1 }
            var precision: String?
            if i < s.count, s[i] == "." {
                i += 1
                var p = ""
                while i < s.count, ("0"..."9").contains(s[i]) { p.unicodeScalars.append(s[i]); i += 1 }
                precision = p.isEmpty ? "0" : p
            }
            for number in [width, precision ?? ""] where !number.isEmpty {
                try Operators.checkWidth(Int(number) ?? Int.max)
            }
            while i < s.count, "hlL".unicodeScalars.contains(s[i]) { i += 1 }
            guard i < s.count else { throw fail("incomplete format") }
            let type = s[i]
            i += 1
            if type == "%" {
                out += "%"
                continue
            }
            if value == nil {
                guard next < positional.count else { throw fail("not enough arguments for format string") }
                value = positional[next]
                next += 1
            }
            let v = value!
            var body: String
            let cFlags = String(flags.sorted { $0.value < $1.value }.map(Character.init))
            switch type {
            case "s", "r", "a":
                body = type == "s" ? try v.pythonString() : try v.pythonRepresentation()
                if let precision, let p = Int(precision) { body = String(scalars: body.scalars.prefix(p)) }
                out += pad(body, width: Int(width) ?? 0, left: flags.contains("-"))
                continue
            case "d", "i", "u":
                guard let n = Operators.number(v) else {
                    throw fail("%\(type) format: a real number is required, not \(v.typeName)")
                }
                let iv: Int
                switch n {
                case .int(let x): iv = x
                case .double(let d):
                    guard d.isFinite else { throw fail("cannot convert float \(pythonFloatRepr(d)) to integer") }
                    guard let exact = Int(exactly: d.rounded(.towardZero)) else { throw Operators.overflow() }
                    iv = exact
                }
                body = String(format: "%\(cFlags)\(width)\(precision.map { "." + $0 } ?? "")ld", iv)
            case "x", "X", "o":
                guard case .int(let iv)? = Operators.number(v) else {
                    throw fail("%\(type) format: an integer is required, not \(v.typeName)")
                }
                var text = String(iv.magnitude, radix: type == "o" ? 8 : 16, uppercase: type == "X")
                if flags.contains("#") { text = (type == "o" ? "0o" : type == "x" ? "0x" : "0X") + text }
                if iv < 0 { text = "-" + text } else if flags.contains("+") { text = "+" + text } else if flags.contains(" ") {
                    text = " " + text
                }
                let w = Int(width) ?? 0
                if flags.contains("0"), !flags.contains("-"), text.count < w {
                    let signCount = text.first.map { "+- ".contains($0) } == true ? 1 : 0
                    let prefix = String(text.prefix(signCount))
                    text = prefix + String(repeating: "0", count: w - text.count) + text.dropFirst(signCount)
                }
                out += pad(text, width: w, left: flags.contains("-"))
                continue
            case "f", "F", "e", "E", "g", "G":
                guard let n = Operators.number(v) else {
                    throw fail("must be real number, not \(v.typeName)")
                }
                body = String(format: "%\(cFlags)\(width)\(precision.map { "." + $0 } ?? "")\(Character(type))", n.double)
            case "c":
                if case .string(let c) = v, c.unicodeScalars.count == 1 { body = c } else if case .int(let code) = v,
                    let u = UInt32(exactly: code).flatMap(Unicode.Scalar.init)
                {
                    body = String(u)
                } else {
                    throw fail("%c requires int or char")
                }
                out += pad(body, width: Int(width) ?? 0, left: flags.contains("-"))
                continue
            default:
                throw fail("unsupported format character '\(type)'")
            }
            out += body
        }
        if !isMapping, next < positional.count {
            throw fail("not all arguments converted during string formatting")
        }
        try Operators.checkSize(out.utf8.count)
        return out
    }

    static func pad(_ text: String, width: Int, left: Bool, fill: Character = " ") -> String {
        let n = text.unicodeScalars.count
        guard n < width else { return text }
        let padding = String(repeating: fill, count: width - n)
        return left ? text + padding : padding + text
    }
}

/// Python's `str.format(*args, **kwargs)` with the common format-spec features: fill, align,
/// sign, zero padding, width, thousands separators, precision and the s/d/f/e/g/%/x/o/b/c types.
enum BraceFormat {
    static func format(_ template: String, _ args: CallArguments) throws(TemplateError) -> String {
        let s = template.scalars
        var out = ""
        var i = 0
        var automatic = 0
        func fail(_ m: String) -> TemplateError { TemplateError(.runtime, m) }
        while i < s.count {
            let c = s[i]
            if c == "}" {
                guard i + 1 < s.count, s[i + 1] == "}" else { throw fail("Single '}' encountered in format string") }
                out += "}"
                i += 2
                continue
            }
            guard c == "{" else {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            if i + 1 < s.count, s[i + 1] == "{" {
                out += "{"
                i += 2
                continue
            }
            guard let close = s[(i + 1)...].firstIndex(of: "}") else { throw fail("Single '{' encountered in format string") }
            let field = String(scalars: s[(i + 1)..<close])
            i = close + 1
            var name = Substring(field)
            var spec = ""
            var conversion: Character?
            if let colon = name.firstIndex(of: ":") {
                spec = String(name[name.index(after: colon)...])
                name = name[..<colon]
            }
            if let bang = name.firstIndex(of: "!") {
                conversion = name[name.index(after: bang)...].first
                name = name[..<bang]
            }
            // The first part of the field name, then `.attr` and `[key]` lookups.
            var headEnd = name.endIndex
            if let k = name.firstIndex(where: { $0 == "." || $0 == "[" }) { headEnd = k }
            let head = name[..<headEnd]
            var value: Value
            if head.isEmpty {
                guard automatic < args.positional.count else {
                    throw fail("Replacement index \(automatic) out of range for positional args tuple")
                }
                value = args.positional[automatic]
                automatic += 1
            } else if let index = Int(head) {
                guard index < args.positional.count else {
                    throw fail("Replacement index \(index) out of range for positional args tuple")
                }
                value = args.positional[index]
            } else {
                guard let v = args.keywords.first(where: { $0.name == String(head) })?.value else {
                    throw TemplateError(.runtime, "KeyError: \(pythonRepr(String(head)))")
                }
                value = v
            }
            var rest = name[headEnd...]
            while let first = rest.first {
                if first == "." {
                    rest = rest.dropFirst()
                    let end = rest.firstIndex(where: { $0 == "." || $0 == "[" }) ?? rest.endIndex
                    value = try Attributes.get(value, String(rest[..<end]))
                    rest = rest[end...]
                } else {
                    guard let end = rest.firstIndex(of: "]") else { throw fail("Missing ']' in format string") }
                    let key = String(rest[rest.index(after: rest.startIndex)..<end])
                    value = try Attributes.item(value, Int(key).map { .int($0) } ?? .string(key))
                    rest = rest[rest.index(after: end)...]
                }
            }
            if let conversion {
                switch conversion {
                case "r", "a": value = .string(try value.pythonRepresentation())
                case "s": value = .string(try value.pythonString())
                default: throw fail("Unknown conversion specifier \(conversion)")
                }
            }
            out += try formatValue(value, spec)
        }
        try Operators.checkSize(out.utf8.count)
        return out
    }

    /// `format(value, spec)`.
    static func formatValue(_ value: Value, _ spec: String) throws(TemplateError) -> String {
        if spec.isEmpty { return try value.pythonString() }
        var chars = Array(spec)
        var fill: Character = " "
        var align: Character?
        if chars.count >= 2, "<>^=".contains(chars[1]) {
            fill = chars[0]
            align = chars[1]
            chars.removeFirst(2)
        } else if let first = chars.first, "<>^=".contains(first) {
            align = first
            chars.removeFirst()
        }
        var sign: Character = "-"
        if let first = chars.first, "+- ".contains(first) {
            sign = first
            chars.removeFirst()
        }
        var alternate = false
        if chars.first == "#" { alternate = true; chars.removeFirst() }
        if chars.first == "0" {
            if align == nil { fill = "0"; align = "=" }
            chars.removeFirst()
        }
        var widthText = ""
        while let first = chars.first, first.isASCII, first.isNumber { widthText.append(first); chars.removeFirst() }
        var grouping: Character?
        if let first = chars.first, first == "," || first == "_" { grouping = first; chars.removeFirst() }
        var precision: Int?
        if chars.first == "." {
            chars.removeFirst()
            var p = ""
            while let first = chars.first, first.isASCII, first.isNumber { p.append(first); chars.removeFirst() }
            precision = Int(p) ?? Int.max
        }
        let type = chars.first
        guard chars.count <= 1 else { throw TemplateError(.runtime, "Invalid format specifier '\(spec)'") }
        let width = widthText.isEmpty ? 0 : Int(widthText) ?? Int.max
        try Operators.checkWidth(width)
        try Operators.checkWidth(precision)

        var body: String
        var signText = ""
        switch value {
        case .string(let text):
            guard type == nil || type == "s" else {
                throw TemplateError(.runtime, "Unknown format code '\(type!)' for object of type 'str'")
            }
            body = precision.map { String(scalars: text.scalars.prefix($0)) } ?? text
            return Self.aligned(body, fill, align ?? "<", width)
        default:
            guard let number = Operators.number(value) else {
                return Self.aligned(try value.pythonString(), fill, align ?? "<", width)
            }
            let t = type ?? (precision != nil || { if case .double = number { return true } else { return false } }() ? "g" : "d")
            var magnitude: String
            var negative = false
            switch (t, number) {
            case ("d", .int(let i)), ("n", .int(let i)):
                negative = i < 0
                magnitude = String(i.magnitude)
            case ("x", .int(let i)), ("X", .int(let i)), ("o", .int(let i)), ("b", .int(let i)):
                negative = i < 0
                let radix = t == "o" ? 8 : t == "b" ? 2 : 16
                magnitude = String(i.magnitude, radix: radix, uppercase: t == "X")
                if alternate { magnitude = (t == "o" ? "0o" : t == "b" ? "0b" : t == "X" ? "0X" : "0x") + magnitude }
            case ("c", .int(let i)):
                guard let scalar = UInt32(exactly: i).flatMap(Unicode.Scalar.init) else {
                    throw TemplateError(.runtime, "%c arg not in range(0x110000)")
                }
                return Self.aligned(String(scalar), fill, align ?? "<", width)
            case ("f", _), ("F", _), ("e", _), ("E", _), ("%", _), ("g", _), ("G", _):
                var d = number.double
                if t == "%" { d *= 100 }
                negative = d < 0 || (d == 0 && d.sign == .minus)
                let p = precision ?? 6
                if type == nil, precision == nil {
                    magnitude = pythonFloatRepr(abs(d))
                } else if t == "g" || t == "G" {
                    magnitude = String(format: "%\(alternate ? "#" : "").\(p)\(t)", abs(d))
                    if type == nil, !magnitude.contains("."), !magnitude.contains("e"), !magnitude.contains("n") {
                        magnitude += ".0"
                    }
                } else {
                    let c = t == "%" ? "f" : String(t)
                    magnitude = String(format: "%\(alternate ? "#" : "").\(p)\(c)", abs(d))
                }
                if t == "%" { magnitude += "%" }
            default:
                throw TemplateError(.runtime, "Unknown format code '\(t)' for object of type '\(value.typeName)'")
            }
            if let grouping {
                let parts = magnitude.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                var integer = Array(parts[0])
                var grouped = ""
                while integer.count > 3 {
                    grouped = String(grouping) + String(integer.suffix(3)) + grouped
                    integer.removeLast(3)
                }
                magnitude = String(integer) + grouped + (parts.count > 1 ? "." + parts[1] : "")
            }
            signText = negative ? "-" : sign == "+" ? "+" : sign == " " ? " " : ""
            body = magnitude
            if (align ?? ">") == "=" {
                let n = signText.count + body.count
                return signText + (n < width ? String(repeating: fill, count: width - n) : "") + body
            }
            return Self.aligned(signText + body, fill, align ?? ">", width)
        }
    }

    private static func aligned(_ text: String, _ fill: Character, _ align: Character, _ width: Int) -> String {
        let n = text.unicodeScalars.count
        guard n < width else { return text }
        let pad = width - n
        switch align {
        case "<": return text + String(repeating: fill, count: pad)
        case "^": return String(repeating: fill, count: pad / 2) + text + String(repeating: fill, count: pad - pad / 2)
        default: return String(repeating: fill, count: pad) + text
        }
    }
}
