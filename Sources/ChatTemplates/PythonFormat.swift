/// Python's `str()` and `repr()` of values, which is what `{{ x }}` prints: `True`, `None`,
/// `1.0`, `['a', 'b']`, `{'k': 1}`.

/// Code-point equality, as Python compares strings (Swift's `==` also equates canonically
/// equivalent spellings such as "é" and "e\u{301}").
@inline(__always)
func pythonEqual(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
}

/// Code-point order, as Python orders strings.
func pythonLess(_ a: String, _ b: String) -> Bool {
    // UTF-8 byte order is code-point order.
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// `str.isspace()` and regex `\s` on str patterns.
@inline(__always)
func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

/// `repr(float)`: the shortest digits that round-trip, fixed notation for exponents -4...15,
/// scientific otherwise ("1e+16", "1e-05"), always with a fraction in fixed notation ("1.0").
func pythonFloatRepr(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description is also the shortest round-trip form; only the layout differs.
    let (negative, digits, decpt) = shortestDigits(d)
    var out = negative ? "-" : ""
    if decpt <= -4 || decpt > 16 {
        out.append(digits.first!)
        if digits.count > 1 {
            out.append(".")
            out.append(contentsOf: digits.dropFirst())
        }
        let e = decpt - 1
        out.append(e < 0 ? "e-" : "e+")
        let magnitude = String(abs(e))
        if magnitude.count < 2 { out.append("0") }
        out.append(magnitude)
    } else if decpt <= 0 {
        out.append("0.")
        out.append(String(repeating: "0", count: -decpt))
        out.append(digits)
    } else if decpt >= digits.count {
        out.append(digits)
        out.append(String(repeating: "0", count: decpt - digits.count))
        out.append(".0")
    } else {
        out.append(contentsOf: digits.prefix(decpt))
        out.append(".")
        out.append(contentsOf: digits.dropFirst(decpt))
    }
    return out
}

/// The significant digits of `d` (no leading or trailing zeros) and the decimal point position:
/// d = 0.DIGITS × 10^decpt.
private func shortestDigits(_ d: Double) -> (negative: Bool, digits: String, decpt: Int) {
    var text = Substring(d.description)
    var negative = false
    if text.first == "-" { negative = true; text = text.dropFirst() }
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...]) ?? 0
        text = text[..<e]
    }
    var digits = ""
    var pointAt = text.count
    for (i, c) in text.enumerated() {
        if c == "." { pointAt = i } else { digits.append(c) }
    }
    var decpt = pointAt + exponent
    while digits.first == "0" { digits.removeFirst(); decpt -= 1 }
    while digits.last == "0" { digits.removeLast() }
    if digits.isEmpty { digits = "0" }
    return (negative, digits, decpt)
}

/// `repr(str)`: single quotes unless the text has a single quote and no double quote;
/// unprintable characters as \x, \u or \U escapes.
func pythonRepr(_ s: String) -> String {
    var hasSingle = false, hasDouble = false
    for c in s.unicodeScalars {
        if c == "'" { hasSingle = true } else if c == "\"" { hasDouble = true }
    }
    let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
    var out = String.UnicodeScalarView()
    out.append(quote)
    for c in s.unicodeScalars {
        switch c {
        case quote, "\\":
            out.append("\\")
            out.append(c)
        case "\t": out.append(contentsOf: "\\t".unicodeScalars)
        case "\n": out.append(contentsOf: "\\n".unicodeScalars)
        case "\r": out.append(contentsOf: "\\r".unicodeScalars)
        default:
            if isPythonPrintable(c) {
                out.append(c)
            } else {
                let v = c.value
                let (prefix, width) = v < 0x100 ? ("\\x", 2) : v < 0x10000 ? ("\\u", 4) : ("\\U", 8)
                let hex = String(v, radix: 16)
                out.append(contentsOf: (prefix + String(repeating: "0", count: width - hex.count) + hex).unicodeScalars)
            }
        }
    }
    out.append(quote)
    return String(out)
}

/// `str.isprintable()` for one character: everything but the categories Cc, Cf, Cs, Co, Cn,
/// Zl, Zp and Zs (except the space itself).
func isPythonPrintable(_ c: Unicode.Scalar) -> Bool {
    if c.value < 0x7F { return c.value >= 0x20 }
    switch c.properties.generalCategory {
    case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
        return false
    default:
        return true
    }
}

/// How deep `repr`, `tojson` and equality descend before giving up, as Python's recursion limit
/// would; a template can only nest values this deep by feeding a namespace attribute back into
/// itself.
let maxValueDepth = 400

extension Value {
    /// Python's `str(x)`: what `{{ x }}`, `~`, `join` and `string` produce.
    func pythonString() throws(TemplateError) -> String {
        switch self {
        case .undefined: return ""
        case .string(let s), .markup(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .double(let d): return pythonFloatRepr(d)
        default: return try pythonRepresentation()
        }
    }

    /// Python's `repr(x)`, used for values inside lists and dicts.
    func pythonRepresentation() throws(TemplateError) -> String {
        var out = ""
        try appendRepr(to: &out, depth: 0)
        return out
    }

    func appendRepr(to out: inout String, depth: Int) throws(TemplateError) {
        guard depth < maxValueDepth else { throw TemplateError(.limit, "value nested too deeply to print") }
        switch self {
        case .undefined: out += "Undefined"
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += pythonFloatRepr(d)
        case .string(let s): out += pythonRepr(s)
        case .markup(let s): out += "Markup(\(pythonRepr(s)))"
        case .list(let items):
            out += "["
            for (i, v) in items.enumerated() {
                if i > 0 { out += ", " }
                try v.appendRepr(to: &out, depth: depth + 1)
            }
            out += "]"
        case .tuple(let items):
            out += "("
            for (i, v) in items.enumerated() {
                if i > 0 { out += ", " }
                try v.appendRepr(to: &out, depth: depth + 1)
            }
            out += items.count == 1 ? ",)" : ")"
        case .dict(let d):
            try Self.appendDictRepr(d, to: &out, depth: depth)
        case .namespace(let ns):
            out += "<Namespace "
            try Self.appendDictRepr(ns.attributes, to: &out, depth: depth)
            out += ">"
        case .callable(let c):
            switch c.kind {
            case .macro(let m): out += "<Macro \(pythonRepr(m.definition.name))>"
            case .method(let receiver, let name): out += "<built-in method \(name) of \(receiver.typeName) object>"
            case .builtin(let b): out += "<function \(b.rawValue)>"
            default: out += "<bound method>"
            }
        case .iterator(let it): out += "<\(it.typeName) object>"
        case .loop(let l): out += "<LoopContext \(l.index0 + 1)/\(l.length)>"
        }
    }

    private static func appendDictRepr(_ d: Dict, to out: inout String, depth: Int) throws(TemplateError) {
        out += "{"
        for i in 0..<d.count {
            if i > 0 { out += ", " }
            try d.keys[i].appendRepr(to: &out, depth: depth + 1)
            out += ": "
            try d.values[i].appendRepr(to: &out, depth: depth + 1)
        }
        out += "}"
    }
}
