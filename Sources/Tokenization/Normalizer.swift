/// A text normalizer from tokenizer.json's `normalizer`, applied to the text between added tokens
/// before pre-tokenization.
enum Normalizer: Sendable {
    case nfc, nfd, nfkc, nfkd
    case lowercase
    /// Replace every occurrence of a literal string.
    case replace(pattern: [UInt8], content: [UInt8])
    case prepend([UInt8])
    case strip(left: Bool, right: Bool)
    case sequence([Normalizer])

    /// Builds a normalizer from its tokenizer.json object (`{"type": ...}`).
    static func from(json: JSONValue, file: String) throws(TokenizerError) -> Normalizer {
        guard let type = json["type"]?.string else {
            throw TokenizerError(file: file, message: "normalizer has no \"type\"")
        }
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Strip":
            return .strip(left: json["strip_left"]?.bool ?? true, right: json["strip_right"]?.bool ?? true)
        case "Prepend":
            guard let p = json["prepend"]?.string else {
                throw TokenizerError(file: file, message: "Prepend normalizer has no \"prepend\" string")
            }
            return .prepend(Array(p.utf8))
        case "Replace":
            guard let content = json["content"]?.string else {
                throw TokenizerError(file: file, message: "Replace normalizer has no \"content\" string")
            }
            if let s = json["pattern"]?["String"]?.string {
                guard !s.isEmpty else { throw TokenizerError(file: file, message: "Replace normalizer has an empty pattern") }
                return .replace(pattern: Array(s.utf8), content: Array(content.utf8))
            }
            if let r = json["pattern"]?["Regex"]?.string {
                throw TokenizerError(
                    file: file, message: "Replace normalizer with regex \(r.debugDescription) is not supported (only literal String patterns)")
            }
            throw TokenizerError(file: file, message: "Replace normalizer has no pattern")
        case "Sequence":
            guard let items = json["normalizers"]?.array else {
                throw TokenizerError(file: file, message: "Sequence normalizer has no \"normalizers\" array")
            }
            var out: [Normalizer] = []
            for item in items { out.append(try from(json: item, file: file)) }
            return .sequence(out)
        default:
            throw TokenizerError(file: file, message: "normalizer type \"\(type)\" is not supported")
        }
    }

    func normalize(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .nfc, .nfd, .nfkc, .nfkd:
            if bytes.allSatisfy({ $0 < 0x80 }) { return bytes }  // ASCII is invariant under all four forms
            switch self {
            case .nfc: return UnicodeNormalization.normalize(bytes, .nfc)
            case .nfd: return UnicodeNormalization.normalize(bytes, .nfd)
            case .nfkc: return UnicodeNormalization.normalize(bytes, .nfkc)
            default: return UnicodeNormalization.normalize(bytes, .nfkd)
            }
        case .lowercase:
            return Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
        case .replace(let pattern, let content):
            return replacingBytes(pattern, with: content, in: bytes) ?? bytes
        case .prepend(let p):
            return bytes.isEmpty ? bytes : p + bytes
        case .strip(let left, let right):
            var scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
            if right { while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() } }
            if left {
                let k = scalars.firstIndex { !$0.properties.isWhitespace } ?? scalars.count
                scalars.removeFirst(k)
            }
            var v = String.UnicodeScalarView()
            v.append(contentsOf: scalars)
            return Array(String(v).utf8)
        case .sequence(let items):
            var b = bytes
            for item in items { b = item.normalize(b) }
            return b
        }
    }
}

/// Every non-overlapping occurrence of a non-empty `pattern` in `bytes`, left to right, replaced
/// (Rust's `str::replace`, which the Replace normalizer and decoder use); nil when there is none.
func replacingBytes(_ pattern: [UInt8], with content: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
    guard !pattern.isEmpty, bytes.count >= pattern.count else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    var changed = false
    while i < bytes.count {
        if bytes[i] == pattern[0], i + pattern.count <= bytes.count, bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
            out.append(contentsOf: content)
            i += pattern.count
            changed = true
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return changed ? out : nil
}
