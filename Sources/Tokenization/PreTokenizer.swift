/// A pre-tokenizer from tokenizer.json's `pre_tokenizer`: it cuts normalized text into pieces
/// that BPE then encodes one at a time.
enum PreTokenizer: Sendable {
    /// `Split` with a known regex, behaviour `Isolated` (each match is its own piece).
    case split(SplitPattern)
    /// `Split` with a literal string pattern and any behaviour.
    case splitLiteral(pattern: [UInt8], behavior: SplitBehavior, invert: Bool)
    /// `Metaspace`: SentencePiece's spaces.
    case metaspace(Metaspace)
    /// `Digits`: numbers apart from the rest; each digit alone when `individual`.
    case digits(individual: Bool)
    /// `ByteLevel`: optionally a space before each piece, then (with `useRegex`) the GPT-2 split.
    /// The byte-to-unicode spelling itself is implicit: BPE works on bytes.
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case sequence([PreTokenizer])

    static func from(json: JSONValue, file: String) throws(TokenizerError) -> PreTokenizer {
        guard let type = json["type"]?.string else {
            throw TokenizerError(file: file, message: "pre_tokenizer has no \"type\"")
        }
        switch type {
        case "Split":
            let behavior = json["behavior"]?.string ?? "Isolated"
            if let literal = json["pattern"]?["String"]?.string {
                guard let b = SplitBehavior(rawValue: behavior) else {
                    throw TokenizerError(file: file, message: "Split pre-tokenizer behavior \"\(behavior)\" is not one of \(SplitBehavior.allNames)")
                }
                guard !literal.isEmpty else { throw TokenizerError(file: file, message: "Split pre-tokenizer has an empty String pattern") }
                return .splitLiteral(pattern: Array(literal.utf8), behavior: b, invert: json["invert"]?.bool ?? false)
            }
            guard behavior == "Isolated" else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer behavior \"\(behavior)\" is not supported (only Isolated)")
            }
            guard json["invert"]?.bool != true else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer with invert: true is not supported")
            }
            guard let regex = json["pattern"]?["Regex"]?.string else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer needs a {\"Regex\": ...} or {\"String\": ...} pattern")
            }
            guard let pattern = SplitPattern(regex: regex) else {
                throw TokenizerError(
                    file: file,
                    message: "Split pre-tokenizer regex \(regex.debugDescription) is not one rat can honour exactly (supported: the GPT-2, Qwen2 and Llama 3 patterns)")
            }
            return .split(pattern)
        case "Metaspace":
            return .metaspace(try Metaspace.from(json: json, file: file))
        case "Digits":
            return .digits(individual: json["individual_digits"]?.bool ?? false)
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: json["add_prefix_space"]?.bool ?? true, useRegex: json["use_regex"]?.bool ?? true)
        case "Sequence":
            guard let items = json["pretokenizers"]?.array else {
                throw TokenizerError(file: file, message: "Sequence pre-tokenizer has no \"pretokenizers\" array")
            }
            var out: [PreTokenizer] = []
            for item in items { out.append(try from(json: item, file: file)) }
            return .sequence(out)
        default:
            throw TokenizerError(file: file, message: "pre_tokenizer type \"\(type)\" is not supported")
        }
    }

    /// Whether a ByteLevel step respells the text in GPT-2's byte alphabet (byte-level BPE).
    var isByteLevel: Bool {
        switch self {
        case .byteLevel: true
        case .sequence(let items): items.contains { $0.isByteLevel }
        default: false
        }
    }

    /// Rust's `char::is_numeric` (Nd, Nl, No), which `Digits` uses. Unlike the regexes' `\p{N}`,
    /// its Unicode data is as new as Swift's (U+11DE0, a Unicode 17 digit, is numeric in both).
    static func isNumeric(_ v: UInt32) -> Bool {
        if v < 0x80 { return v >= 0x30 && v <= 0x39 }
        guard let s = Unicode.Scalar(v) else { return false }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Cuts each piece further. `atStart`: the first piece begins the input text (Metaspace's
    /// `first` scheme prepends only there).
    func split(_ pieces: [ArraySlice<UInt8>], atStart: Bool = true) -> [ArraySlice<UInt8>] {
        switch self {
        case .sequence(let items):
            var p = pieces
            for item in items { p = item.split(p, atStart: atStart) }
            return p
        case .metaspace(let m):
            var out: [ArraySlice<UInt8>] = []
            out.reserveCapacity(pieces.count * 4)
            for (k, piece) in pieces.enumerated() where !piece.isEmpty {
                m.pretokenize(piece, atStart: atStart && k == 0, into: &out)
            }
            return out
        case .splitLiteral(let pattern, let behavior, let invert):
            var out: [ArraySlice<UInt8>] = []
            for piece in pieces where !piece.isEmpty {
                behavior.apply(to: Self.literalMatches(pattern, in: piece, invert: invert), of: piece, into: &out)
            }
            return out
        case .split(let pattern):
            var out: [ArraySlice<UInt8>] = []
            out.reserveCapacity(pieces.count * 4)
            for piece in pieces where !piece.isEmpty {
                let text = ClassifiedText(piece)
                for r in pattern.matches(in: text) { out.append(piece[r]) }
            }
            return out
        case .digits(let individual):
            var out: [ArraySlice<UInt8>] = []
            for piece in pieces where !piece.isEmpty {
                let t = ClassifiedText(piece)
                let numeric = t.scalars.map(Self.isNumeric)
                var k = 0
                while k < t.count {
                    var e = k + 1
                    let isNumber = numeric[k]
                    if !(isNumber && individual) {
                        while e < t.count, numeric[e] == isNumber { e += 1 }
                    }
                    out.append(piece[t.offsets[k]..<t.offsets[e]])
                    k = e
                }
            }
            return out
        case .byteLevel(let addPrefixSpace, let useRegex):
            var prefixed = pieces
            if addPrefixSpace {
                prefixed = pieces.map { p in
                    p.first == 0x20 ? p : ArraySlice([0x20] + p)
                }
            }
            return useRegex ? PreTokenizer.split(.gpt2).split(prefixed) : prefixed
        }
    }
}

extension PreTokenizer {
    /// The input cut into alternating non-matching and matching ranges of a literal pattern,
    /// covering all of it (HF's `find_matches` for a String pattern), each flagged as a match.
    static func literalMatches(_ pattern: [UInt8], in piece: ArraySlice<UInt8>, invert: Bool) -> [(Range<Int>, Bool)] {
        var out: [(Range<Int>, Bool)] = []
        var start = piece.startIndex
        var i = piece.startIndex
        while i + pattern.count <= piece.endIndex {
            if piece[i] == pattern[0], piece[i..<(i + pattern.count)].elementsEqual(pattern) {
                if start < i { out.append((start..<i, invert)) }
                out.append((i..<(i + pattern.count), !invert))
                i += pattern.count
                start = i
            } else {
                i += 1
            }
        }
        if start < piece.endIndex { out.append((start..<piece.endIndex, invert)) }
        return out
    }
}

/// What `Split` does with the matches of its pattern (HF's `SplitDelimiterBehavior`).
enum SplitBehavior: String, Sendable, CaseIterable {
    case removed = "Removed"
    case isolated = "Isolated"
    case mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext"
    case contiguous = "Contiguous"

    static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Appends the pieces of `piece` given its ranges (`isMatch` flags), as HF's `NormalizedString::split`.
    func apply(to ranges: [(Range<Int>, Bool)], of piece: ArraySlice<UInt8>, into out: inout [ArraySlice<UInt8>]) {
        var merged: [Range<Int>] = []
        switch self {
        case .isolated:
            merged = ranges.map(\.0)
        case .removed:
            merged = ranges.filter { !$0.1 }.map(\.0)
        case .contiguous:
            var previousMatch = false
            for (r, isMatch) in ranges {
                if isMatch == previousMatch, let last = merged.last {
                    merged[merged.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    merged.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithPrevious:
            var previousMatch = false
            for (r, isMatch) in ranges {
                if isMatch, !previousMatch, let last = merged.last {
                    merged[merged.count - 1] = last.lowerBound..<r.upperBound
                } else {
                    merged.append(r)
                }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            var previousMatch = false
            for (r, isMatch) in ranges.reversed() {
                if isMatch, !previousMatch, let last = merged.last {
                    merged[merged.count - 1] = r.lowerBound..<last.upperBound
                } else {
                    merged.append(r)
                }
                previousMatch = isMatch
            }
            merged.reverse()
        }
        for r in merged where !r.isEmpty { out.append(piece[r]) }
    }
}
