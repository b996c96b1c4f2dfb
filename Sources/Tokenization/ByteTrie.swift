/// Byte strings in a trie, each ending node holding a value (an id or an index), for
/// longest-prefix scans: added tokens in raw text, Unigram pieces in a word. The root's children
/// are a 256-entry table, so a byte that starts no string costs one array read.
struct ByteTrie: Sendable {
    private var rootChildren = [Int32](repeating: -1, count: 256)
    /// (node << 8 | byte) -> child node, below the root.
    private var children: [UInt64: Int32] = [:]
    /// The value at each node, -1 for none. Node 0 is the root.
    private(set) var values: [Int32] = [-1]

    /// Sets the value at the end of `bytes` (non-empty): replacing one already there, or not when
    /// `keepingFirst`.
    mutating func insert(_ bytes: some Sequence<UInt8>, value: Int32, keepingFirst: Bool = false) {
        var node: Int32 = 0
        for b in bytes {
            if let next = child(of: node, b) {
                node = next
                continue
            }
            let next = Int32(values.count)
            values.append(-1)
            if node == 0 { rootChildren[Int(b)] = next } else { children[UInt64(UInt32(node)) << 8 | UInt64(b)] = next }
            node = next
        }
        guard node != 0 else { return }
        if !keepingFirst || values[Int(node)] < 0 { values[Int(node)] = value }
    }

    @inline(__always)
    func child(of node: Int32, _ byte: UInt8) -> Int32? {
        if node == 0 {
            let next = rootChildren[Int(byte)]
            return next < 0 ? nil : next
        }
        return children[UInt64(UInt32(node)) << 8 | UInt64(byte)]
    }
}
