/// The decoder from tokenizer.json's `decoder`: it turns the token strings of some ids back into
/// text. HF runs every step over the whole list of token strings (`decode_chain`), then joins the
/// result; each case here does the same.
indirect enum TokenDecoder: Sendable {
    /// GPT-2's byte alphabet back to bytes, the whole list read as one UTF-8 string.
    case byteLevel
    /// Every occurrence of a literal string in each token replaced.
    case replace(pattern: String, content: String)
    /// Runs of `<0xNN>` tokens read as UTF-8; a run that is not valid UTF-8 gives one U+FFFD per byte.
    case byteFallback
    /// All tokens joined into one.
    case fuse
    /// Up to `start` leading and `stop` trailing `content` characters cut from each token.
    case strip(content: Unicode.Scalar, start: Int, stop: Int)
    /// `Metaspace`: the replacement character back to a space, except at the start of the first
    /// token when a prefix space was added.
    case metaspace(replacement: Unicode.Scalar, dropsFirstPrefix: Bool)
    case sequence([TokenDecoder])

    static func from(json: JSONValue, file: String) throws(TokenizerError) -> TokenDecoder {
        guard let type = json["type"]?.string else { throw TokenizerError(file: file, message: "decoder has no \"type\"") }
        switch type {
        case "ByteLevel":
            return .byteLevel
        case "Replace":
            guard let content = json["content"]?.string else {
                throw TokenizerError(file: file, message: "Replace decoder has no \"content\" string")
            }
            guard let pattern = json["pattern"]?["String"]?.string, !pattern.isEmpty else {
                throw TokenizerError(file: file, message: "Replace decoder needs a non-empty {\"String\": ...} pattern (regex patterns are not supported)")
            }
            return .replace(pattern: pattern, content: content)
        case "ByteFallback":
            return .byteFallback
        case "Fuse":
            return .fuse
        case "Strip":
            guard let content = json["content"]?.string, content.unicodeScalars.count == 1 else {
                throw TokenizerError(file: file, message: "Strip decoder needs a one-character \"content\"")
            }
            guard let start = json["start"]?.int, let stop = json["stop"]?.int, start >= 0, stop >= 0 else {
                throw TokenizerError(file: file, message: "Strip decoder needs non-negative integers \"start\" and \"stop\"")
            }
            return .strip(content: content.unicodeScalars.first!, start: start, stop: stop)
        case "Metaspace":
            let replacement = try Metaspace.replacement(json, file: file, what: "decoder")
            let scheme = try Metaspace.PrependScheme.from(json, file: file, what: "decoder")
            return .metaspace(replacement: replacement, dropsFirstPrefix: scheme != .never)
        case "Sequence":
            guard let items = json["decoders"]?.array else {
                throw TokenizerError(file: file, message: "Sequence decoder has no \"decoders\" array")
            }
            var out: [TokenDecoder] = []
            for item in items { out.append(try from(json: item, file: file)) }
            return .sequence(out)
        default:
            throw TokenizerError(
                file: file,
                message: "decoder type \"\(type)\" is not supported (supported: ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)")
        }
    }

    /// HF's `decode_chain`.
    func chain(_ tokens: [String]) -> [String] {
        switch self {
        case .byteLevel:
            var bytes: [UInt8] = []
            for t in tokens { bytes += ByteLevelAlphabet.bytes(ofSpelled: t) ?? Array(t.utf8) }
            return [String(decoding: bytes, as: UTF8.self)]
        case .replace(let pattern, let content):
            return tokens.map { $0.replacingAll(pattern, with: content) }
        case .byteFallback:
            var out: [String] = []
            var pending: [UInt8] = []
            func flush() {
                guard !pending.isEmpty else { return }
                if let s = String(validating: pending, as: UTF8.self) {
                    out.append(s)
                } else {
                    out += Array(repeating: "\u{FFFD}", count: pending.count)
                }
                pending.removeAll()
            }
            for t in tokens {
                if let b = Self.fallbackByte(t) {
                    pending.append(b)
                } else {
                    flush()
                    out.append(t)
                }
            }
            flush()
            return out
        case .fuse:
            return [tokens.joined()]
        case .strip(let content, let start, let stop):
            // Rust's chars are scalars: a space before a combining mark is still a space.
            return tokens.map { token in
                let chars = Array(token.unicodeScalars)
                var from = 0
                while from < min(start, chars.count), chars[from] == content { from += 1 }
                var to = chars.count
                var cut = 0
                while cut < stop, to > from, chars[to - 1] == content { to -= 1; cut += 1 }
                var out = String.UnicodeScalarView()
                out.append(contentsOf: chars[from..<to])
                return String(out)
            }
        case .metaspace(let replacement, let dropsFirstPrefix):
            return tokens.enumerated().map { i, token in
                var out = String.UnicodeScalarView()
                for c in token.unicodeScalars {
                    if c == replacement {
                        if !(i == 0 && dropsFirstPrefix) { out.append(" ") }
                    } else {
                        out.append(c)
                    }
                }
                return String(out)
            }
        case .sequence(let steps):
            var t = tokens
            for step in steps { t = step.chain(t) }
            return t
        }
    }

    /// The byte a `<0xNN>` token stands for: six bytes, `<0x`, two hex digits, `>` (Rust's
    /// `u8::from_str_radix`, which also takes a leading `+`).
    static func fallbackByte(_ token: String) -> UInt8? {
        let u = Array(token.utf8)
        guard u.count == 6, u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        if u[3] == UInt8(ascii: "+") { return hexDigit(u[4]) }
        guard let hi = hexDigit(u[3]), let lo = hexDigit(u[4]) else { return nil }
        return hi << 4 | lo
    }

    private static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: b - 0x30
        case 0x41...0x46: b - 0x41 + 10
        case 0x61...0x66: b - 0x61 + 10
        default: nil
        }
    }
}

extension String {
    /// Every non-overlapping occurrence of `pattern`, left to right, replaced (Rust's `str::replace`).
    func replacingAll(_ pattern: String, with content: String) -> String {
        replacingBytes(Array(pattern.utf8), with: Array(content.utf8), in: Array(utf8)).map { String(decoding: $0, as: UTF8.self) } ?? self
    }
}
