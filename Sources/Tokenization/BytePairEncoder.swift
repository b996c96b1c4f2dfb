/// Byte-level BPE over token ids.
///
/// A piece starts as the ids of its bytes' single-character tokens; the merge with the lowest rank
/// (leftmost on ties) is applied until none applies, one merge at a time, which is what HF's
/// heap-based `merge_all` does. Pair ranks are kept in an array next to the symbols so that each
/// step only re-looks-up the two pairs around the merge.
struct BytePairEncoder: Sendable {
    /// For each byte, the id of the token that spells it (-1 when the vocabulary lacks it).
    let byteTokenIDs: [Int32]
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let merges: [UInt64: UInt64]
    /// With `ignore_merges`, a piece that is a whole vocabulary entry is emitted as that entry.
    let wholeWords: [[UInt8]: Int32]?
    let unknownID: Int32?

    @inline(__always)
    private func lookup(_ a: Int32, _ b: Int32) -> UInt64 {
        merges[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))] ?? UInt64.max
    }

    /// Appends the ids of one pre-tokenized piece to `out`.
    func encode(_ piece: ArraySlice<UInt8>, into out: inout [Int32]) {
        if let wholeWords, let id = wholeWords[Array(piece)] {
            out.append(id)
            return
        }
        var symbols: [Int32] = []
        symbols.reserveCapacity(piece.count)
        for b in piece {
            let id = byteTokenIDs[Int(b)]
            if id >= 0 {
                symbols.append(id)
            } else if let unknownID {
                // HF fuses nothing here (fuse_unk is false for byte-level models): one unk per byte.
                symbols.append(unknownID)
            }
        }
        if symbols.count < 2 {
            out.append(contentsOf: symbols)
            return
        }
        var ranks = [UInt64](repeating: .max, count: symbols.count - 1)
        for k in 0..<(symbols.count - 1) { ranks[k] = lookup(symbols[k], symbols[k + 1]) }
        while true {
            var best = UInt64.max
            var at = -1
            for k in 0..<ranks.count where ranks[k] < best {
                best = ranks[k]
                at = k
            }
            if at < 0 { break }
            symbols[at] = Int32(truncatingIfNeeded: best & 0xFFFF_FFFF)
            symbols.remove(at: at + 1)
            ranks.remove(at: at)
            if at < ranks.count { ranks[at] = lookup(symbols[at], symbols[at + 1]) }
            if at > 0 { ranks[at - 1] = lookup(symbols[at - 1], symbols[at]) }
        }
        out.append(contentsOf: symbols)
    }
}
