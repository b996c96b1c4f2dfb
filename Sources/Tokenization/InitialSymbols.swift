/// What a BPE piece starts as, before any merge.
enum InitialSymbols: Sendable {
    /// Byte-level BPE: for each byte, the id of the token that spells it in GPT-2's byte alphabet
    /// (-1 when the vocabulary lacks it). The ByteLevel pre-tokenizer's respelling is implicit.
    case bytes([Int32])
    /// Character BPE (SentencePiece-style vocabularies): one symbol per Unicode scalar.
    case characters(CharacterSymbols)
}

/// HF's `BPE::merge_word` start: each scalar is its vocabulary entry; one missing from the
/// vocabulary becomes its UTF-8 bytes as `<0xNN>` tokens (`byte_fallback`, when all of them
/// exist), else the unknown token, consecutive unknowns fused into one when `fuse_unk`.
struct CharacterSymbols: Sendable {
    /// Ids of one-scalar tokens below U+0080, -1 when absent.
    let ascii: [Int32]
    /// Ids of the other one-scalar tokens.
    let scalars: [UInt32: Int32]
    /// `<0xNN>` token ids by byte (-1 when absent), nil without byte fallback.
    let byteFallback: [Int32]?
    let fuseUnknown: Bool
    /// Where a piece can be cut without changing its BPE result: before each `▁` that follows a
    /// scalar in `joinedBeforeMarker` neither `▁` itself nor a scalar some token holds right
    /// before a `▁`. No merge can then make a symbol across the cut, so each side merges alone,
    /// and the pieces of SentencePiece text, which has no pre-tokenizer split, can be cached as
    /// words. nil when the vocabulary has no `▁`.
    let marker: [UInt8]?
    let joinedBeforeMarker: Set<UInt32>

    static let spaceMarker = Array("\u{2581}".utf8)

    /// The scalars that some token holds right before a `▁` (other than `▁` itself).
    static func scalarsBeforeMarker<C: Collection>(in tokens: some Sequence<C>) -> Set<UInt32> where C.Element == UInt8, C.Index == Int {
        var out = Set<UInt32>()
        for t in tokens where t.count >= 4 {
            var i = t.startIndex + 1
            while i + 3 <= t.endIndex {
                if t[i] == 0xE2, t[i + 1] == 0x96, t[i + 2] == 0x81 {
                    var k = i - 1
                    while k > t.startIndex, t[k] & 0xC0 == 0x80 { k -= 1 }
                    let v = UTF8Scalar.decode(t, at: k).value
                    if v != 0x2581 { out.insert(v) }
                }
                i += 1
            }
        }
        return out
    }

    /// Appends the end of each independent segment of `piece` (see `marker`).
    func segmentEnds(of piece: ArraySlice<UInt8>, into ends: inout [Int]) {
        var start = piece.startIndex
        var previous: UInt32 = 0x2581
        var i = piece.startIndex
        let end = piece.endIndex
        while i < end {
            let (v, n) = UTF8Scalar.decode(piece, at: i)
            if v == 0x2581, previous != 0x2581, i > start, !joinedBeforeMarker.contains(previous) {
                ends.append(i)
                start = i
            }
            previous = v
            i += n
        }
        ends.append(end)
    }

    /// From the vocabulary's entries (token string, id) in order, later duplicates winning.
    init<S: Sequence>(vocabulary: S, byteFallback: Bool, fuseUnknown: Bool, joinedBeforeMarker: Set<UInt32>) where S.Element == (String, Int32) {
        var ascii = [Int32](repeating: -1, count: 128)
        var scalars: [UInt32: Int32] = [:]
        var bytes = [Int32](repeating: -1, count: 256)
        for (token, id) in vocabulary {
            let u = token.unicodeScalars
            if u.count == 1, let s = u.first {
                if s.value < 128 { ascii[Int(s.value)] = id } else { scalars[s.value] = id }
            } else if byteFallback, let b = Self.byteToken(token) {
                bytes[Int(b)] = id
            }
        }
        self.ascii = ascii
        self.scalars = scalars
        self.byteFallback = byteFallback ? bytes : nil
        self.fuseUnknown = fuseUnknown
        self.marker = scalars[0x2581] != nil ? Self.spaceMarker : nil
        self.joinedBeforeMarker = joinedBeforeMarker
    }

    /// The byte of a token spelled exactly `<0xNN>` with uppercase hex digits, the form HF looks up.
    static func byteToken(_ token: String) -> UInt8? {
        guard token.utf8.count == 6 else { return nil }
        let u = Array(token.utf8)
        guard u[0] == 0x3C, u[1] == 0x30, u[2] == 0x78, u[5] == 0x3E else { return nil }
        func digit(_ b: UInt8) -> UInt8? {
            switch b {
            case 0x30...0x39: b - 0x30
            case 0x41...0x46: b - 0x41 + 10
            default: nil
            }
        }
        guard let hi = digit(u[3]), let lo = digit(u[4]) else { return nil }
        return hi << 4 | lo
    }

    func append(_ piece: ArraySlice<UInt8>, unknownID: Int32?, to symbols: inout [Int32]) {
        var pendingUnknown = false
        var i = piece.startIndex
        let end = piece.endIndex
        while i < end {
            let (v, n) = UTF8Scalar.decode(piece, at: i)
            let id = v < 0x80 ? ascii[Int(v)] : scalars[v] ?? -1
            defer { i += n }
            if id >= 0 {
                if pendingUnknown, let unknownID { symbols.append(unknownID) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if let byteFallback, (i..<(i + n)).allSatisfy({ byteFallback[Int(piece[$0])] >= 0 }) {
                // HF adds the byte tokens without flushing a pending unknown first.
                for k in i..<(i + n) { symbols.append(byteFallback[Int(piece[k])]) }
                continue
            }
            guard let unknownID else { continue }
            if pendingUnknown && !fuseUnknown { symbols.append(unknownID) }
            pendingUnknown = true
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
    }
}
