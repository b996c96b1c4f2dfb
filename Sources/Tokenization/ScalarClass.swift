/// The character classes the pre-tokenizer regexes distinguish, with Oniguruma's (HF tokenizers')
/// meaning: `\s` is Unicode White_Space, `\p{L}` the L* general categories, `\p{N}` Nd, Nl, No.
enum ScalarClass: UInt8 {
    case letter
    case number
    /// `\r` or `\n` (also whitespace).
    case newline
    /// Whitespace other than `\r` and `\n`.
    case space
    /// Anything else: `[^\s\p{L}\p{N}]`.
    case other

    var isWhitespace: Bool { self == .space || self == .newline }

    /// The Unicode version of the character data in HF tokenizers' regex engine.
    static let regexDataVersion = (major: 16, minor: 0)

    private static let ascii: [ScalarClass] = (0..<128).map { b -> ScalarClass in
        switch b {
        case 0x0A, 0x0D: return .newline
        case 0x09, 0x0B, 0x0C, 0x20: return .space
        case 0x30...0x39: return .number
        case 0x41...0x5A, 0x61...0x7A: return .letter
        default: return .other
        }
    }

    init(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        if v < 128 {
            self = Self.ascii[Int(v)]
            return
        }
        let p = scalar.properties
        // HF's regex engine (Oniguruma) has Unicode 16 data: a scalar assigned later is unassigned
        // there, so neither a letter nor a number nor a space.
        guard let age = p.age, (age.major, age.minor) <= ScalarClass.regexDataVersion else {
            self = .other
            return
        }
        if p.isWhitespace {
            self = .space
            return
        }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            self = .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            self = .number
        default:
            self = .other
        }
    }
}

/// A piece of text decoded into scalars with their classes and byte offsets, so the splitters can
/// look ahead by scalar and still cut the UTF-8 bytes.
struct ClassifiedText {
    var scalars: [UInt32] = []
    var classes: [ScalarClass] = []
    /// `offsets[k]` is the byte offset of scalar k; `offsets[count]` is the end.
    var offsets: [Int] = []

    init(_ bytes: ArraySlice<UInt8>) {
        scalars.reserveCapacity(bytes.count)
        classes.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end {
            let b0 = bytes[i]
            offsets.append(i)
            if b0 < 0x80 {
                scalars.append(UInt32(b0))
                classes.append(ScalarClass(Unicode.Scalar(b0)))
                i += 1
                continue
            }
            let (v, n) = UTF8Scalar.decode(bytes, at: i)
            let scalar = Unicode.Scalar(v) ?? "\u{FFFD}"
            scalars.append(scalar.value)
            classes.append(ScalarClass(scalar))
            i += n
        }
        offsets.append(end)
    }

    var count: Int { scalars.count }
}
