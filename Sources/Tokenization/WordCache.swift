import Foundation

/// Pieces of text and their ids, in an open-addressing table over two arenas (the pieces' bytes
/// and their ids), keyed by a 64-bit FNV-1a hash. Encoding looks a piece up for nearly every word
/// of the text; a `Dictionary` keyed by byte slices spent more on SipHash, generic comparison and
/// reference counting than BPE spent on the words it missed.
struct WordTable: Sendable {
    private var bytes: [UInt8] = []
    private var ids: [Int32] = []
    /// Per slot: the hash (0 = empty), then byte start << 32 | byte count, then id start << 32 | id count.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [UInt64](repeating: 0, count: n * 3)
        mask = n - 1
    }

    /// FNV-1a, never 0 (0 marks an empty slot).
    @inline(__always)
    static func hash(_ piece: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in piece { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h | 1
    }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask }

    /// The slot holding `piece`, or nil.
    @inline(__always)
    private func slot(of piece: ArraySlice<UInt8>, hash: UInt64) -> Int? {
        var s = slot(hash)
        while true {
            let h = slots[3 * s]
            if h == 0 { return nil }
            if h == hash {
                let b = slots[3 * s + 1]
                let start = Int(b >> 32), n = Int(b & 0xFFFF_FFFF)
                if n == piece.count, bytes[start..<(start + n)].elementsEqual(piece) { return s }
            }
            s = (s + 1) & mask
        }
    }

    func contains(_ piece: ArraySlice<UInt8>, hash: UInt64) -> Bool { slot(of: piece, hash: hash) != nil }

    /// Appends the ids of `piece` to `out` and returns true, or returns false when it is not here.
    func append(_ piece: ArraySlice<UInt8>, hash: UInt64, to out: inout [Int32]) -> Bool {
        guard let s = slot(of: piece, hash: hash) else { return false }
        let v = slots[3 * s + 2]
        let i = Int(v >> 32)
        out.append(contentsOf: ids[i..<(i + Int(v & 0xFFFF_FFFF))])
        return true
    }

    /// Adds a piece (not already present) and its ids.
    mutating func insert(_ piece: ArraySlice<UInt8>, hash: UInt64, ids pieceIDs: ArraySlice<Int32>) {
        if (count + 1) * 2 > mask + 1 { grow() }
        var s = slot(hash)
        while slots[3 * s] != 0 { s = (s + 1) & mask }
        slots[3 * s] = hash
        slots[3 * s + 1] = UInt64(bytes.count) << 32 | UInt64(piece.count)
        slots[3 * s + 2] = UInt64(ids.count) << 32 | UInt64(pieceIDs.count)
        bytes += piece
        ids += pieceIDs
        count += 1
    }

    private mutating func grow() {
        let old = slots
        let n = (mask + 1) * 2
        slots = [UInt64](repeating: 0, count: n * 3)
        mask = n - 1
        for k in 0..<(old.count / 3) where old[3 * k] != 0 {
            var s = slot(old[3 * k])
            while slots[3 * s] != 0 { s = (s + 1) & mask }
            slots[3 * s] = old[3 * k]
            slots[3 * s + 1] = old[3 * k + 1]
            slots[3 * s + 2] = old[3 * k + 2]
        }
    }

    /// Every entry, for merging into another table.
    func forEach(_ body: (ArraySlice<UInt8>, UInt64, ArraySlice<Int32>) -> Void) {
        for k in 0..<(slots.count / 3) where slots[3 * k] != 0 {
            let b = slots[3 * k + 1], v = slots[3 * k + 2]
            let start = Int(b >> 32), i = Int(v >> 32)
            body(bytes[start..<(start + Int(b & 0xFFFF_FFFF))], slots[3 * k], ids[i..<(i + Int(v & 0xFFFF_FFFF))])
        }
    }
}

/// The pieces a tokenizer has encoded, shared by the threads that use it (HF's BPE keeps such a
/// cache across calls too): a call reads a snapshot (copy-on-write, so taking it costs one lock)
/// and hands back the pieces it encoded.
final class WordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var table = WordTable()
    /// As HF's cache, bounded; once full it stops growing.
    static let capacity = 100_000

    func snapshot() -> WordTable {
        lock.lock()
        defer { lock.unlock() }
        return table
    }

    func add(_ new: WordTable) {
        guard new.count > 0 else { return }
        lock.lock()
        defer { lock.unlock() }
        new.forEach { piece, hash, ids in
            if table.count < Self.capacity, !table.contains(piece, hash: hash) { table.insert(piece, hash: hash, ids: ids) }
        }
    }
}
