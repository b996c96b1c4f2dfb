/// A pre-tokenizer from tokenizer.json's `pre_tokenizer`: it cuts normalized text into pieces
/// that BPE then encodes one at a time.
enum PreTokenizer: Sendable {
    /// `Split` with a known regex, behaviour `Isolated` (each match is its own piece).
    case split(SplitPattern)
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
            guard behavior == "Isolated" else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer behavior \"\(behavior)\" is not supported (only Isolated)")
            }
            guard json["invert"]?.bool != true else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer with invert: true is not supported")
            }
            guard let regex = json["pattern"]?["Regex"]?.string else {
                throw TokenizerError(file: file, message: "Split pre-tokenizer needs a {\"Regex\": ...} pattern (literal String patterns are not supported)")
            }
            guard let pattern = SplitPattern(regex: regex) else {
                throw TokenizerError(
                    file: file,
                    message: "Split pre-tokenizer regex \(regex.debugDescription) is not one rat can honour exactly (supported: the GPT-2, Qwen2 and Llama 3 patterns)")
            }
            return .split(pattern)
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

    /// Cuts each piece further.
    func split(_ pieces: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>] {
        switch self {
        case .sequence(let items):
            var p = pieces
            for item in items { p = item.split(p) }
            return p
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
