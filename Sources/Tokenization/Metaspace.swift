/// SentencePiece's view of spaces, as HF's `Metaspace` pre-tokenizer and decoder: every space
/// becomes the replacement character (`▁`, U+2581), one may be put in front of the text, and the
/// text may be cut before each replacement character.
struct Metaspace: Sendable {
    /// When a replacement character goes in front of a piece that does not start with one.
    enum PrependScheme: Sendable {
        /// Every piece.
        case always
        /// Only the piece at the very start of the input (not one after an added token).
        case first
        case never

        /// `prepend_scheme`, or the older `add_prefix_space` (false means never); HF's default is always.
        static func from(_ json: JSONValue, file: String, what: String) throws(TokenizerError) -> PrependScheme {
            var scheme = PrependScheme.always
            if let s = json["prepend_scheme"]?.string {
                switch s {
                case "always": scheme = .always
                case "first": scheme = .first
                case "never": scheme = .never
                default:
                    throw TokenizerError(file: file, message: "Metaspace \(what) prepend_scheme \"\(s)\" is not always, first or never")
                }
            }
            if json["add_prefix_space"]?.bool == false {
                guard json["prepend_scheme"] == nil || scheme == .never else {
                    throw TokenizerError(file: file, message: "Metaspace \(what): add_prefix_space false does not match prepend_scheme")
                }
                scheme = .never
            }
            return scheme
        }
    }

    let replacement: [UInt8]
    let prependScheme: PrependScheme
    let split: Bool

    static func replacement(_ json: JSONValue, file: String, what: String) throws(TokenizerError) -> Unicode.Scalar {
        guard let r = json["replacement"]?.string, r.unicodeScalars.count == 1 else {
            throw TokenizerError(file: file, message: "Metaspace \(what) needs a one-character \"replacement\"")
        }
        return r.unicodeScalars.first!
    }

    static func from(json: JSONValue, file: String) throws(TokenizerError) -> Metaspace {
        let r = try replacement(json, file: file, what: "pre-tokenizer")
        return Metaspace(
            replacement: Array(String(Character(r)).utf8), prependScheme: try PrependScheme.from(json, file: file, what: "pre-tokenizer"),
            split: json["split"]?.bool ?? true)
    }

    /// One piece: spaces replaced, the prefix added by the scheme (`atStart`: the piece begins the
    /// input), then cut before each replacement character when `split`.
    func pretokenize(_ piece: ArraySlice<UInt8>, atStart: Bool, into out: inout [ArraySlice<UInt8>]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(piece.count + replacement.count * 2)
        let startsWithReplacement = piece.starts(with: replacement) || piece.first == 0x20
        if !startsWithReplacement, prependScheme == .always || (prependScheme == .first && atStart) {
            bytes += replacement
        }
        for b in piece {
            if b == 0x20 { bytes += replacement } else { bytes.append(b) }
        }
        let all = ArraySlice(bytes)
        guard split else {
            out.append(all)
            return
        }
        // MergedWithNext: each replacement character starts a new piece.
        var start = all.startIndex
        var i = all.startIndex
        while i < all.endIndex {
            if i > start, bytes[i] == replacement[0], all[i...].starts(with: replacement) {
                out.append(all[start..<i])
                start = i
            }
            i += 1
        }
        if start < all.endIndex { out.append(all[start...]) }
    }
}
