/// The pre-tokenizer regexes rat can honour, each implemented as a hand-written scanner with the
/// exact semantics of the regex under Oniguruma (leftmost-first alternation, greedy quantifiers
/// with backtracking). Scanning classified scalars is about ten times faster than a regex engine,
/// and it avoids the engines' differences (ICU's `\s`, Swift `Regex`'s grapheme matching).
///
/// A pattern that is none of these is refused with an error rather than approximated.
enum SplitPattern: Sendable, Equatable {
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    case gpt2
    /// Qwen2 (`maxDigits` 1) and Llama 3 (`maxDigits` 3):
    /// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,maxDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
    case llama3Family(maxDigits: Int)

    static let gpt2Regex = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let qwen2Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Regex = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static let qwen2 = SplitPattern.llama3Family(maxDigits: 1)
    static let llama3 = SplitPattern.llama3Family(maxDigits: 3)

    /// The scanner for a regex from tokenizer.json, or nil when rat has none for it.
    init?(regex: String) {
        switch regex {
        case Self.gpt2Regex: self = .gpt2
        case Self.qwen2Regex: self = .qwen2
        case Self.llama3Regex: self = .llama3
        default: return nil
        }
    }

    /// Byte ranges of `bytes` that the regex matches, in order, covering the whole input (every
    /// scalar falls into one of the alternatives, so there are no gaps).
    func matches(in text: ClassifiedText) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = text.count
        while i < n {
            let end: Int
            switch self {
            case .gpt2: end = Self.gpt2Match(text, at: i)
            case .llama3Family(let maxDigits): end = Self.llama3Match(text, at: i, maxDigits: maxDigits)
            }
            let e = max(end, i + 1)
            out.append(text.offsets[i]..<text.offsets[e])
            i = e
        }
        return out
    }

    private static let apostrophe = UInt32(UInt8(ascii: "'"))
    private static let space = UInt32(UInt8(ascii: " "))

    /// Length 2 or 3 of a contraction at `i` (`'s`, `'t`, `'m`, `'d`, `'re`, `'ve`, `'ll`), or 0.
    private static func contraction(_ t: ClassifiedText, at i: Int, caseInsensitive: Bool) -> Int {
        let n = t.count
        guard t.scalars[i] == apostrophe, i + 1 < n else { return 0 }
        func fold(_ v: UInt32) -> UInt32 {
            guard caseInsensitive else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            if v == 0x17F { return 0x73 }  // ſ case-folds to s
            return v
        }
        let a = fold(t.scalars[i + 1])
        switch a {
        case 0x73, 0x74, 0x6D, 0x64: return 2  // s t m d
        default: break
        }
        guard i + 2 < n else { return 0 }
        let b = fold(t.scalars[i + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// End of the whitespace alternatives `\s+(?!\S)|\s+` at a whitespace scalar `i`.
    private static func whitespaceRun(_ t: ClassifiedText, at i: Int) -> Int {
        var e = i
        while e < t.count, t.classes[e].isWhitespace { e += 1 }
        if e == t.count { return e }  // \s+(?!\S) at the end of the text
        if e - i >= 2 { return e - 1 }  // \s+(?!\S) leaves the last space to the next word
        return e  // \s+
    }

    private static func run(_ t: ClassifiedText, from i: Int, of c: ScalarClass) -> Int {
        var j = i
        while j < t.count, t.classes[j] == c { j += 1 }
        return j
    }

    private static func gpt2Match(_ t: ClassifiedText, at i: Int) -> Int {
        let c = contraction(t, at: i, caseInsensitive: false)
        if c > 0 { return i + c }
        // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
        let start = (t.scalars[i] == space && i + 1 < t.count) ? i + 1 : i
        for cls in [ScalarClass.letter, .number, .other] {
            if t.classes[i] == cls { return run(t, from: i, of: cls) }
            if start != i, t.classes[start] == cls { return run(t, from: start, of: cls) }
        }
        return whitespaceRun(t, at: i)
    }

    private static func llama3Match(_ t: ClassifiedText, at i: Int, maxDigits: Int) -> Int {
        let n = t.count
        let c = contraction(t, at: i, caseInsensitive: true)
        if c > 0 { return i + c }
        let cls = t.classes[i]
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if cls == .letter { return run(t, from: i, of: .letter) }
        if cls != .newline, cls != .number, i + 1 < n, t.classes[i + 1] == .letter {
            return run(t, from: i + 1, of: .letter)
        }
        // \p{N}{1,maxDigits}
        if cls == .number {
            var j = i + 1
            while j < n, j - i < maxDigits, t.classes[j] == .number { j += 1 }
            return j
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var j = i
        if t.scalars[i] == space, i + 1 < n, t.classes[i + 1] == .other { j = i + 1 }
        if t.classes[j] == .other {
            j = run(t, from: j, of: .other)
            return run(t, from: j, of: .newline)
        }
        // \s*[\r\n]+ : up to and including the last newline of the whitespace run
        var e = i
        var lastNewline = -1
        while e < n, t.classes[e].isWhitespace {
            if t.classes[e] == .newline { lastNewline = e }
            e += 1
        }
        if lastNewline >= 0 { return lastNewline + 1 }
        return whitespaceRun(t, at: i)
    }
}
