/// GPT-2's byte-to-unicode map, which byte-level BPE vocabularies are spelled in.
///
/// Bytes 33-126, 161-172 and 174-255 stand for themselves; the other 68 bytes map to U+0100 + n
/// in byte order (space -> U+0120 'Ġ', newline -> U+010A 'Ċ').
enum ByteLevelAlphabet {
    /// `characters[b]` is the scalar that spells byte `b`.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a scalar spells, or nil when the scalar is not in the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let v = scalar.value
        if v < 256 {
            return characters[Int(v)].value == v ? UInt8(v) : nil
        }
        guard v < 256 + 68 else { return nil }
        return reverse[Int(v - 256)]
    }

    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 68)
        for b in 0..<256 where characters[b].value >= 256 {
            table[Int(characters[b].value - 256)] = UInt8(b)
        }
        return table
    }()

    /// The bytes a token spells when every scalar is in the alphabet, else nil.
    static func bytes(ofSpelled token: String) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard let b = byte(for: s) else { return nil }
            out.append(b)
        }
        return out
    }

    /// Spells raw bytes in the alphabet.
    static func spell<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(characters[Int(b)]) }
        return String(s)
    }
}
