/// Token strings by their UTF-8 bytes, looked up from any byte range without building a String:
/// all tokens in one buffer, an open-addressing table of (hash, id), and a polynomial hash whose
/// value for any substring comes from prefix hashes in O(1). Deriving a SentencePiece
/// vocabulary's merges looks up both halves of every cut of every token (about two million
/// lookups for Gemma's 262,144 tokens), which a `[String: Int32]` makes many times slower.
struct TokenIndex: Sendable {
    /// All tokens' bytes, back to back; token k is `bytes[starts[k]..<starts[k + 1]]`.
    let bytes: [UInt8]
    let starts: [Int32]
    /// Slots, interleaved so that a probe touches one cache line: the mixed hash (0 = empty),
    /// then the token id << 32 | its byte length.
    private var slots: [UInt64]
    private let mask: Int
    /// For each position, the id its spelling resolves to: itself, or its last duplicate.
    private(set) var resolved: [Int32] = []
    /// Whether each position is its spelling's first occurrence.
    private(set) var isFirst: [Bool] = []

    static let base: UInt64 = 0x100_0000_01b3

    /// Later duplicates win, as in a Python dict built from the list.
    init(_ tokens: [String]) {
        var bytes: [UInt8] = []
        var starts: [Int32] = [0]
        starts.reserveCapacity(tokens.count + 1)
        for t in tokens {
            bytes += t.utf8
            starts.append(Int32(bytes.count))
        }
        self.bytes = bytes
        self.starts = starts
        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity * 2)
        mask = capacity - 1
        var resolved = (0..<Int32(tokens.count)).map { $0 }
        var isFirst = [Bool](repeating: true, count: tokens.count)
        // Duplicates are rare: a later position -> its spelling's first, and first -> last.
        var firstOf: [Int32: Int32] = [:], lastOf: [Int32: Int32] = [:]
        bytes.withUnsafeBufferPointer { buf in
            for id in tokens.indices {
                let key = UnsafeBufferPointer(rebasing: buf[Int(starts[id])..<Int(starts[id + 1])])
                if let shadowed = insert(id: id, key: key, hash: Self.hash(key), in: buf) {
                    isFirst[id] = false
                    let first = firstOf[Int32(shadowed)] ?? Int32(shadowed)
                    firstOf[Int32(id)] = first
                    lastOf[first] = Int32(id)
                }
            }
        }
        for (first, last) in lastOf { resolved[Int(first)] = last }
        for (later, first) in firstOf { resolved[Int(later)] = lastOf[first]! }
        self.resolved = resolved
        self.isFirst = isFirst
    }

    /// Returns the id a duplicate replaced, if any.
    private mutating func insert(id: Int, key: UnsafeBufferPointer<UInt8>, hash: UInt64, in buf: UnsafeBufferPointer<UInt8>) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        let entry = UInt64(id) << 32 | UInt64(key.count)
        while true {
            if slots[2 * slot] == 0 {
                slots[2 * slot] = hash
                slots[2 * slot + 1] = entry
                return nil
            }
            let held = Int(slots[2 * slot + 1] >> 32)
            if slots[2 * slot] == hash, token(held, in: buf).elementsEqual(key) {
                slots[2 * slot + 1] = entry
                return held
            }
            slot = (slot + 1) & mask
        }
    }

    var count: Int { starts.count - 1 }

    private func token(_ id: Int, in buf: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: buf[Int(starts[id])..<Int(starts[id + 1])])
    }

    /// The final hash: the polynomial value mixed with the length (never 0, which marks empty).
    @inline(__always)
    static func mix(_ raw: UInt64, _ length: Int) -> UInt64 {
        var h = raw ^ (UInt64(length) &* 0x9E37_79B9_7F4A_7C15)
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h | 1
    }

    /// The polynomial hashes of every prefix of `key` (`out[k]` for the first k bytes) and the
    /// powers of the base, so that `substringHash` is O(1).
    static func prefixHashes(_ key: UnsafeBufferPointer<UInt8>, into out: inout [UInt64], powers: inout [UInt64]) {
        out.removeAll(keepingCapacity: true)
        out.append(0)
        var h: UInt64 = 0
        for b in key {
            h = h &* base &+ UInt64(b)
            out.append(h)
        }
        while powers.count <= key.count { powers.append((powers.last ?? 1) &* (powers.isEmpty ? 1 : base)) }
    }

    @inline(__always)
    static func substringHash(_ prefix: [UInt64], _ powers: [UInt64], _ a: Int, _ b: Int) -> UInt64 {
        mix(prefix[b] &- prefix[a] &* powers[b - a], b - a)
    }

    /// The id of the token spelled by `key` (whose `hash` is `mix` of its polynomial value), or nil.
    func id(of key: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { buf in
                while true {
                    let held = table[2 * slot]
                    if held == 0 { return nil }
                    let entry = table[2 * slot + 1]
                    if held == hash, Int(entry & 0xFFFF_FFFF) == key.count {
                        let id = Int(entry >> 32)
                        if token(id, in: buf).elementsEqual(key) { return id }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// The id of the token spelled by `key`, or nil.
    func id(of key: UnsafeBufferPointer<UInt8>) -> Int? { id(of: key, hash: Self.hash(key)) }

    /// The hash of a whole key (what `substringHash` gives for a range of a longer one).
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var raw: UInt64 = 0
        for b in key { raw = raw &* base &+ UInt64(b) }
        return mix(raw, key.count)
    }

    /// The bytes of token `k`.
    func bytes(of k: Int) -> ArraySlice<UInt8> { bytes[Int(starts[k])..<Int(starts[k + 1])] }

    /// Whether token `k` is the one its spelling resolves to (no later duplicate).
    func isLast(_ k: Int) -> Bool { resolved[k] == Int32(k) }

    /// Whether token `k` is a single Unicode scalar.
    func isSingleScalar(_ k: Int) -> Bool {
        let s = Int(starts[k]), e = Int(starts[k + 1])
        guard e > s else { return false }
        for i in (s + 1)..<e where bytes[i] & 0xC0 != 0x80 { return false }
        return true
    }

    func id(of token: String) -> Int? {
        var t = token
        return t.withUTF8 { id(of: $0) }
    }
}
