/// BPE merges: (left id, right id) -> (rank, merged id), in an open-addressing table with a
/// multiplicative hash. Encoding looks up a pair for every merge candidate, so this lookup is the
/// inner loop of BPE; Swift's `Dictionary` (SipHash) is several times slower here.
struct MergeTable: Sendable {
    /// Keys `left << 32 | right`; `UInt64.max` marks an empty slot (ids are below 2^31).
    private var keys: [UInt64]
    /// `rank << 32 | merged id`.
    private var values: [UInt64]
    private var shift: UInt64
    private(set) var count = 0

    /// Returned for a pair with no merge; greater than any real entry.
    static let none = UInt64.max

    init(capacity: Int) {
        var bits: UInt64 = 4
        while (1 << bits) < capacity * 2 { bits += 1 }
        keys = [UInt64](repeating: .max, count: 1 << bits)
        values = [UInt64](repeating: .max, count: 1 << bits)
        shift = 64 - bits
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// Adds a merge; a pair already present takes the new rank (the last one wins, as in HF's map).
    mutating func insert(left: Int32, right: Int32, rank: Int, merged: Int32) {
        if count * 2 >= keys.count { grow() }
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        let value = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
        var s = slot(key)
        let m = keys.count - 1
        while true {
            if keys[s] == .max {
                keys[s] = key
                values[s] = value
                count += 1
                return
            }
            if keys[s] == key {
                values[s] = value
                return
            }
            s = (s + 1) & m
        }
    }

    private mutating func grow() {
        let old = zip(keys, values).filter { $0.0 != .max }
        keys = [UInt64](repeating: .max, count: keys.count * 2)
        values = [UInt64](repeating: .max, count: keys.count)
        shift -= 1
        count = 0
        for (k, v) in old {
            insert(left: Int32(truncatingIfNeeded: k >> 32), right: Int32(truncatingIfNeeded: k & 0xFFFF_FFFF), rank: Int(v >> 32), merged: Int32(truncatingIfNeeded: v & 0xFFFF_FFFF))
        }
    }

    /// `rank << 32 | merged id` for the pair, or `MergeTable.none`.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> UInt64 {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var s = slot(key)
        let m = keys.count - 1
        return keys.withUnsafeBufferPointer { k in
            while true {
                let held = k[s]
                if held == key { return values[s] }
                if held == .max { return MergeTable.none }
                s = (s + 1) & m
            }
        }
    }
}
