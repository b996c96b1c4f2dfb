/// BPE over token ids, byte-level or on characters with byte fallback.
///
/// A piece starts as the ids of its symbols (`InitialSymbols`); the merge with the lowest rank
/// (leftmost on ties) is applied until none applies, one merge at a time, which is what HF's
/// heap-based `merge_all` does. Pair ranks are kept in an array next to the symbols so that each
/// step only re-looks-up the two pairs around the merge.
struct BytePairEncoder: Sendable {
    let initial: InitialSymbols
    let merges: MergeTable
    /// With `ignore_merges`, a piece that is a whole vocabulary entry is emitted as that entry.
    let wholeWords: [[UInt8]: Int32]?
    let unknownID: Int32?

    @inline(__always)
    private func lookup(_ a: Int32, _ b: Int32) -> UInt64 {
        merges.lookup(a, b)
    }

    /// With `ignore_merges`, the id of a piece that is a whole vocabulary entry.
    func wholeWord(_ piece: ArraySlice<UInt8>) -> Int32? {
        guard let wholeWords else { return nil }
        return wholeWords[Array(piece)]
    }

    /// The ends of the parts of a piece that BPE can encode apart with the same result (only the
    /// piece's end, except for character BPE; see `CharacterSymbols.segmentEnds`).
    func segmentEnds(of piece: ArraySlice<UInt8>, into ends: inout [Int]) {
        ends.removeAll(keepingCapacity: true)
        if case .characters(let c) = initial, c.marker != nil {
            c.segmentEnds(of: piece, into: &ends)
        } else {
            ends.append(piece.endIndex)
        }
    }

    /// Arrays reused from one piece to the next, so that short pieces allocate nothing.
    struct Scratch {
        var symbols: [Int32] = []
        var ranks: [UInt64] = []
    }

    /// Appends the ids of one pre-tokenized piece (or segment of it) to `out`, whole words aside.
    func encode(_ piece: ArraySlice<UInt8>, into out: inout [Int32], scratch: inout Scratch) {
        scratch.symbols.removeAll(keepingCapacity: true)
        encodeSymbols(piece, into: &out, symbols: &scratch.symbols, ranks: &scratch.ranks)
    }

    private func encodeSymbols(_ piece: ArraySlice<UInt8>, into out: inout [Int32], symbols: inout [Int32], ranks: inout [UInt64]) {
        switch initial {
        case .bytes(let byteTokenIDs):
            for b in piece {
                let id = byteTokenIDs[Int(b)]
                if id >= 0 {
                    symbols.append(id)
                } else if let unknownID {
                    // HF fuses nothing here (fuse_unk is false for byte-level models): one unk per byte.
                    symbols.append(unknownID)
                }
            }
        case .characters(let characters):
            characters.append(piece, unknownID: unknownID, to: &symbols)
        }
        if symbols.count < 2 {
            out.append(contentsOf: symbols)
            return
        }
        if symbols.count > 48 {
            mergeWithHeap(&symbols)
            out.append(contentsOf: symbols)
            return
        }
        ranks.removeAll(keepingCapacity: true)
        for k in 0..<(symbols.count - 1) { ranks.append(lookup(symbols[k], symbols[k + 1])) }
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

    /// The same merges in O(n log n) for long pieces (a run of thousands of one letter), where
    /// rescanning all pairs per merge would be quadratic: a min-heap of candidate pairs keyed by
    /// (rank, position), symbols in a linked list, stale heap entries skipped when popped.
    private func mergeWithHeap(_ symbols: inout [Int32]) {
        let n = symbols.count
        var next = Array(1...n)  // n = none
        var prev = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = PairHeap()
        for k in 0..<(n - 1) {
            let m = lookup(symbols[k], symbols[k + 1])
            if m != .max { heap.push(PairHeap.Entry(merge: m, position: k, left: symbols[k], right: symbols[k + 1])) }
        }
        while let e = heap.pop() {
            let k = e.position
            guard alive[k], symbols[k] == e.left else { continue }
            let r = next[k]
            guard r < n, symbols[r] == e.right else { continue }
            // Merge r into k.
            symbols[k] = Int32(truncatingIfNeeded: e.merge & 0xFFFF_FFFF)
            alive[r] = false
            next[k] = next[r]
            if next[r] < n { prev[next[r]] = k }
            if prev[k] >= 0 {
                let p = prev[k]
                let m = lookup(symbols[p], symbols[k])
                if m != .max { heap.push(PairHeap.Entry(merge: m, position: p, left: symbols[p], right: symbols[k])) }
            }
            if next[k] < n {
                let q = next[k]
                let m = lookup(symbols[k], symbols[q])
                if m != .max { heap.push(PairHeap.Entry(merge: m, position: k, left: symbols[k], right: symbols[q])) }
            }
        }
        var merged: [Int32] = []
        var k = 0
        while k < n {
            merged.append(symbols[k])
            k = next[k]
        }
        symbols = merged
    }
}

/// A binary min-heap of merge candidates ordered by rank, then position (HF's order).
struct PairHeap {
    struct Entry {
        /// rank << 32 | merged id
        let merge: UInt64
        let position: Int
        let left: Int32
        let right: Int32

        func precedes(_ o: Entry) -> Bool {
            let a = merge >> 32, b = o.merge >> 32
            return a != b ? a < b : position < o.position
        }
    }

    private var items: [Entry] = []

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l].precedes(items[m]) { m = l }
                if r < items.count, items[r].precedes(items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
