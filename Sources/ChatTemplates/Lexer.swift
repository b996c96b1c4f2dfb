/// Splits template source into text and the tokens inside `{{ }}` and `{% %}` tags, applying
/// whitespace control exactly as jinja2's lexer does with `trim_blocks=True, lstrip_blocks=True`:
///
/// - `{%-`, `{{-`, `{#-` strip all whitespace (newlines included) before the tag;
///   `-%}`, `-}}`, `-#}` strip all whitespace after it.
/// - trim_blocks: the first newline after a `%}` or `#}` is removed (not after `}}`); `+%}` keeps it.
/// - lstrip_blocks: spaces and tabs (any whitespace but newlines) between the start of a line and
///   a `{%` or `{#` are removed (not before `{{`); `{%+` keeps them.
/// - newlines (`\r\n`, `\r`) become `\n`, and one trailing newline of the template is dropped.
/// - `{% raw %}...{% endraw %}` is text.
struct Lexer {
    enum Kind: Equatable {
        case data(String)
        case variableBegin, variableEnd, blockBegin, blockEnd
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
        case eof
    }

    struct Token {
        var kind: Kind
        var location: SourceLocation
    }

    private let src: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var tokens: [Token] = []
    private var pos = 0
    /// jinja2's `line_starting`: whether the text consumed by the last tag ended with a newline
    /// (true at the start of the template), which lets lstrip_blocks strip the next line's indent.
    private var lineStarting = true

    static func tokenize(_ source: String) throws(TemplateError) -> [Token] {
        var lexer = Lexer(source)
        try lexer.run()
        return lexer.tokens
    }

    private init(_ source: String) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var previousCR = false
        for c in source.unicodeScalars {
            if c == "\r" {
                scalars.append("\n")
                previousCR = true
                continue
            }
            if c == "\n", previousCR { previousCR = false; continue }
            previousCR = false
            scalars.append(c)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
        var starts = [0]
        for (i, c) in scalars.enumerated() where c == "\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    func location(_ offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    private func fail(_ message: String, at offset: Int) -> TemplateError {
        let l = location(offset)
        return TemplateError(.syntax, message, line: l.line, column: l.column)
    }

    private func at(_ i: Int) -> Unicode.Scalar? { i < src.count ? src[i] : nil }

    private func matches(_ text: String, at i: Int) -> Bool {
        var k = i
        for c in text.unicodeScalars {
            guard k < src.count, src[k] == c else { return false }
            k += 1
        }
        return true
    }

    private func text(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: src[range])
        return String(view)
    }

    private mutating func emit(_ kind: Kind, at offset: Int) {
        tokens.append(Token(kind: kind, location: location(offset)))
    }

    private func skipSpace(from i: Int) -> Int {
        var k = i
        while k < src.count, isPythonSpace(src[k]) { k += 1 }
        return k
    }

    // MARK: - Text between tags

    private enum TagKind { case variable, block, comment }

    private mutating func run() throws(TemplateError) {
        while pos < src.count {
            guard let (tagStart, kind) = nextTag(from: pos) else {
                emit(.data(text(pos..<src.count)), at: pos)
                break
            }
            var signEnd = tagStart + 2
            var sign: Unicode.Scalar?
            if let c = at(signEnd), c == "-" || c == "+" {
                sign = c
                signEnd += 1
            }
            let rawEnd = kind == .block ? rawBegin(at: tagStart) : nil
            let dataText = leadingText(pos..<tagStart, sign: sign, lstrip: kind != .variable)
            if !dataText.isEmpty { emit(.data(text(dataText)), at: pos) }
            // The text matched with the tag's opening never ends with a newline.
            lineStarting = false
            if let rawEnd {
                try raw(from: rawEnd, openedAt: tagStart)
                continue
            }
            switch kind {
            case .comment:
                try comment(from: signEnd, openedAt: tagStart)
            case .variable:
                emit(.variableBegin, at: tagStart)
                pos = signEnd
                try tagTokens(isBlock: false)
            case .block:
                emit(.blockBegin, at: tagStart)
                pos = signEnd
                try tagTokens(isBlock: true)
            }
        }
        emit(.eof, at: src.count)
    }

    private func nextTag(from start: Int) -> (Int, TagKind)? {
        var i = start
        while i + 1 < src.count {
            if src[i] == "{" {
                switch src[i + 1] {
                case "{": return (i, .variable)
                case "%": return (i, .block)
                case "#": return (i, .comment)
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    /// The part of `range` that stays before a tag with whitespace-control `sign`.
    private func leadingText(_ range: Range<Int>, sign: Unicode.Scalar?, lstrip: Bool) -> Range<Int> {
        if sign == "-" {
            var end = range.upperBound
            while end > range.lowerBound, isPythonSpace(src[end - 1]) { end -= 1 }
            return range.lowerBound..<end
        }
        guard sign != "+", lstrip else { return range }
        // lstrip_blocks: drop the whitespace between the last newline and the tag.
        var lineStart = range.upperBound
        while lineStart > range.lowerBound, src[lineStart - 1] != "\n" { lineStart -= 1 }
        guard lineStart > range.lowerBound || lineStarting, lineStart < range.upperBound else { return range }
        for k in lineStart..<range.upperBound where !isPythonSpace(src[k]) { return range }
        return range.lowerBound..<lineStart
    }

    /// If a `{% raw %}` tag starts at `i`, the offset just past it.
    private func rawBegin(at i: Int) -> Int? {
        var k = i + 2
        if let c = at(k), c == "-" || c == "+" { k += 1 }
        k = skipSpace(from: k)
        guard matches("raw", at: k) else { return nil }
        k = skipSpace(from: k + 3)
        if matches("-%}", at: k) { return skipSpace(from: k + 3) }
        if matches("%}", at: k) { return k + 2 }
        return nil
    }

    private mutating func raw(from start: Int, openedAt: Int) throws(TemplateError) {
        lineStarting = start > 0 && src[start - 1] == "\n"
        var i = start
        while i + 1 < src.count {
            if src[i] == "{", src[i + 1] == "%" {
                var k = i + 2
                var sign: Unicode.Scalar?
                if let c = at(k), c == "-" || c == "+" { sign = c; k += 1 }
                k = skipSpace(from: k)
                if matches("endraw", at: k) {
                    k = skipSpace(from: k + 6)
                    var end: Int?
                    if matches("+%}", at: k) {
                        end = k + 3
                    } else if matches("-%}", at: k) {
                        end = skipSpace(from: k + 3)
                    } else if matches("%}", at: k) {
                        end = k + 2
                        if at(k + 2) == "\n" { end = k + 3 }
                    }
                    if let end {
                        let body = leadingText(start..<i, sign: sign, lstrip: true)
                        if !body.isEmpty { emit(.data(text(body)), at: start) }
                        lineStarting = src[end - 1] == "\n"
                        pos = end
                        return
                    }
                }
            }
            i += 1
        }
        throw fail("unterminated raw block: no '{% endraw %}'", at: openedAt)
    }

    private mutating func comment(from start: Int, openedAt: Int) throws(TemplateError) {
        var i = start
        while i < src.count {
            if src[i] == "+", matches("#}", at: i + 1) {
                pos = i + 3
                lineStarting = false
                return
            }
            if src[i] == "-", matches("#}", at: i + 1) {
                pos = skipSpace(from: i + 3)
                lineStarting = src[pos - 1] == "\n"
                return
            }
            if src[i] == "#", at(i + 1) == "}" {
                pos = i + 2
                if at(pos) == "\n" { pos += 1 }
                lineStarting = src[pos - 1] == "\n"
                return
            }
            i += 1
        }
        throw fail("unterminated comment: no '#}'", at: openedAt)
    }

    // MARK: - Inside a tag

    private static let operators = [
        "//", "**", "==", "!=", ">=", "<=",
        "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";",
    ]

    private mutating func tagTokens(isBlock: Bool) throws(TemplateError) {
        var balance: [Unicode.Scalar] = []
        while pos < src.count {
            if balance.isEmpty, let end = tagEnd(isBlock: isBlock) {
                emit(isBlock ? .blockEnd : .variableEnd, at: pos)
                lineStarting = src[end - 1] == "\n"
                pos = end
                return
            }
            let c = src[pos]
            if isPythonSpace(c) {
                pos = skipSpace(from: pos)
                continue
            }
            if let (end, value) = try number(at: pos) {
                emit(value, at: pos)
                pos = end
                continue
            }
            if isNameStart(c) {
                var k = pos + 1
                while k < src.count, isNameContinue(src[k]) { k += 1 }
                emit(.name(text(pos..<k)), at: pos)
                pos = k
                continue
            }
            if c == "'" || c == "\"" {
                var k = pos + 1
                while k < src.count, src[k] != c { k += src[k] == "\\" ? 2 : 1 }
                guard k < src.count else { throw fail("unterminated string literal", at: pos) }
                emit(.string(try unescape(pos + 1..<k, at: pos)), at: pos)
                pos = k + 1
                continue
            }
            guard let op = Self.operators.first(where: { matches($0, at: pos) }) else {
                throw fail("unexpected character \(pythonRepr(String(c)))", at: pos)
            }
            switch op {
            case "{": balance.append("}")
            case "(": balance.append(")")
            case "[": balance.append("]")
            case "}", ")", "]":
                guard let expected = balance.popLast() else { throw fail("unexpected '\(op)'", at: pos) }
                guard String(expected) == op else { throw fail("unexpected '\(op)', expected '\(expected)'", at: pos) }
            default: break
            }
            emit(.op(op), at: pos)
            pos += op.unicodeScalars.count
        }
        // The parser reports the missing end of the tag.
    }

    /// If the tag ends at `pos`, the offset after its end (and after whitespace the end removes).
    private func tagEnd(isBlock: Bool) -> Int? {
        if isBlock {
            if matches("+%}", at: pos) { return pos + 3 }
            if matches("-%}", at: pos) { return skipSpace(from: pos + 3) }
            if matches("%}", at: pos) { return at(pos + 2) == "\n" ? pos + 3 : pos + 2 }
        } else {
            if matches("-}}", at: pos) { return skipSpace(from: pos + 3) }
            if matches("}}", at: pos) { return pos + 2 }
        }
        return nil
    }

    private func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.value < 0x80 ? c.properties.isAlphabetic : c.properties.isXIDStart)
    }

    private func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.value < 0x80 ? (c.properties.isAlphabetic || ("0"..."9").contains(c)) : c.properties.isXIDContinue)
    }

    private func isDigit(_ i: Int) -> Bool { i < src.count && ("0"..."9").contains(src[i]) }

    /// Digits with single underscores between them (`1_000`), from `i`; the end offset.
    private func digitRun(_ i: Int, _ isDigit: (Unicode.Scalar) -> Bool) -> Int? {
        guard i < src.count, isDigit(src[i]) else { return nil }
        var k = i + 1
        while k < src.count {
            if isDigit(src[k]) {
                k += 1
            } else if src[k] == "_", k + 1 < src.count, isDigit(src[k + 1]) {
                k += 2
            } else {
                break
            }
        }
        return k
    }

    /// jinja2's float rule, then its integer rule.
    private func number(at i: Int) throws(TemplateError) -> (Int, Kind)? {
        guard isDigit(i) else { return nil }
        let decimal: (Unicode.Scalar) -> Bool = { ("0"..."9").contains($0) }
        if i == 0 || src[i - 1] != "." {
            let intEnd = digitRun(i, decimal)!
            var k = intEnd
            var isFloat = false
            if at(k) == ".", let fractionEnd = digitRun(k + 1, decimal) {
                k = fractionEnd
                isFloat = true
            }
            if let e = at(k), e == "e" || e == "E" {
                var expStart = k + 1
                if let s = at(expStart), s == "+" || s == "-" { expStart += 1 }
                if let expEnd = digitRun(expStart, decimal) {
                    k = expEnd
                    isFloat = true
                }
            }
            if isFloat {
                let literal = text(i..<k).filter { $0 != "_" }
                guard let value = Double(literal) else { throw fail("invalid float literal \(literal)", at: i) }
                return (k, .float(value))
            }
        }
        if src[i] == "0", let p = at(i + 1) {
            let radix: Int
            let valid: (Unicode.Scalar) -> Bool
            switch p {
            case "b", "B": radix = 2; valid = { $0 == "0" || $0 == "1" }
            case "o", "O": radix = 8; valid = { ("0"..."7").contains($0) }
            case "x", "X": radix = 16; valid = { $0.properties.isASCIIHexDigit }
            default: radix = 10; valid = { _ in false }
            }
            if radix != 10 {
                var k = i + 2
                if at(k) == "_" { k += 1 }
                if let end = digitRun(k, valid) {
                    let digits = text(i + 2..<end).filter { $0 != "_" }
                    guard let value = Int(digits, radix: radix) else { throw fail("integer literal too large", at: i) }
                    return (end, .integer(value))
                }
            }
            // `0(_?0)*`: zeros only.
            var k = i + 1
            while k < src.count {
                if src[k] == "0" { k += 1 } else if src[k] == "_", at(k + 1) == "0" { k += 2 } else { break }
            }
            return (k, .integer(0))
        }
        let end = digitRun(i, decimal)!
        guard let value = Int(text(i..<end).filter { $0 != "_" }) else {
            throw fail("integer literal too large", at: i)
        }
        return (end, .integer(value))
    }

    /// Python's `unicode-escape` decoding of a string literal's body, as jinja2 applies it.
    private func unescape(_ range: Range<Int>, at offset: Int) throws(TemplateError) -> String {
        var out = String.UnicodeScalarView()
        var i = range.lowerBound
        func hexValue(_ count: Int) -> UInt32? {
            guard i + count <= range.upperBound else { return nil }
            var v: UInt32 = 0
            for k in i..<i + count {
                guard let d = src[k].properties.isASCIIHexDigit ? UInt32(String(src[k]), radix: 16) : nil else { return nil }
                v = v * 16 + d
            }
            return v
        }
        while i < range.upperBound {
            let c = src[i]
            guard c == "\\", i + 1 < range.upperBound else {
                out.append(c)
                i += 1
                continue
            }
            let e = src[i + 1]
            i += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var v = e.value - 0x30
                var n = 1
                while n < 3, i < range.upperBound, ("0"..."7").contains(src[i]) {
                    v = v * 8 + (src[i].value - 0x30)
                    i += 1
                    n += 1
                }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            case "x", "u", "U":
                let count = e == "x" ? 2 : e == "u" ? 4 : 8
                guard let v = hexValue(count), let scalar = Unicode.Scalar(v) else {
                    throw fail("invalid \\\(e) escape in a string literal", at: offset)
                }
                out.append(scalar)
                i += count
            case "N":
                guard i < range.upperBound, src[i] == "{", let close = src[i..<range.upperBound].firstIndex(of: "}"),
                    let scalar = unicodeScalar(named: text(i + 1..<close))
                else {
                    throw fail("invalid \\N{...} escape in a string literal", at: offset)
                }
                out.append(scalar)
                i = close + 1
            default:
                // Python keeps unknown escapes as they are.
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }
}

/// The character with a Unicode name, for `\N{...}` escapes.
private func unicodeScalar(named name: String) -> Unicode.Scalar? {
    let wanted = name.uppercased()
    for planeStart: UInt32 in [0, 0x10000, 0x20000, 0xE0000] {
        for v in planeStart..<planeStart + 0x10000 {
            if let s = Unicode.Scalar(v), s.properties.name == wanted || s.properties.nameAlias == wanted { return s }
        }
    }
    return nil
}
