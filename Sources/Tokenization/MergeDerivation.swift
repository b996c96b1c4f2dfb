import Foundation

/// The merges of a SentencePiece BPE vocabulary that lists none (GGUF files of Llama 2, Mistral,
/// Gemma...), recovered as transformers' `generate_merges` does: every way to cut a token into two
/// tokens is a merge, ordered by the token's score (higher first), then the longer left part,
/// then the longer right part (lengths in code points), ties kept in vocabulary order.
enum MergeDerivation {
    /// One candidate merge.
    struct Merge {
        let left: Int32
        let right: Int32
        let merged: Int32
        let score: Double
        let leftLength: Int32
        let rightLength: Int32
    }

    /// The tokens of `index` in file order; `score(id)` is a token's score, called with the id
    /// of a spelling's last duplicate (a Python dict keeps the last value, at the first position).
    static func merges(index: TokenIndex, score: @Sendable (Int) -> Double) -> MergeTable {
        // Two halves of the vocabulary on two threads; their lists concatenate in order.
        let chunks = 2
        let bounds = (0...chunks).map { index.count * $0 / chunks }
        let parts = ChunkResults<[Merge]>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            parts.set(c, candidates(index: index, positions: bounds[c]..<bounds[c + 1], score: score))
        }
        var list: [Merge] = []
        list.reserveCapacity(parts.values.reduce(0) { $0 + ($1?.count ?? 0) })
        for part in parts.values { list += part ?? [] }
        // Usually already in order (scores falling with position): check before sorting.
        if zip(list.dropFirst(), list).contains(where: { precedes($0, $1) }) {
            // A stable sort: equal keys keep their order, as Python's.
            list = list.enumerated().sorted { a, b in
                precedes(a.element, b.element) || (!precedes(b.element, a.element) && a.offset < b.offset)
            }.map(\.element)
        }
        var table = MergeTable(capacity: list.count)
        for (rank, m) in list.enumerated() { table.insert(left: m.left, right: m.right, rank: rank, merged: m.merged) }
        return table
    }

    /// The candidate merges of the tokens at `positions`, each spelling at its first occurrence,
    /// longest left part first.
    private static func candidates(index: TokenIndex, positions: Range<Int>, score: (Int) -> Double) -> [Merge] {
        var list: [Merge] = []
        list.reserveCapacity(positions.count * 2)
        var prefix: [UInt64] = []
        var powers: [UInt64] = []
        var local: [Merge] = []
        index.bytes.withUnsafeBufferPointer { all in
            for position in positions where index.isFirst[position] {
                let buf = UnsafeBufferPointer(rebasing: all[Int(index.starts[position])..<Int(index.starts[position + 1])])
                guard buf.count > 1 else { continue }
                TokenIndex.prefixHashes(buf, into: &prefix, powers: &powers)
                let id = Int(index.resolved[position])
                let s = score(id)
                var total: Int32 = 0
                for b in buf where b & 0xC0 != 0x80 { total += 1 }
                var leftLength: Int32 = 0
                local.removeAll(keepingCapacity: true)
                for cut in 1..<buf.count {
                    if buf[cut - 1] & 0xC0 != 0x80 { leftLength += 1 }
                    guard buf[cut] & 0xC0 != 0x80 else { continue }
                    guard let l = index.id(of: UnsafeBufferPointer(rebasing: buf[0..<cut]), hash: TokenIndex.substringHash(prefix, powers, 0, cut)),
                        let r = index.id(of: UnsafeBufferPointer(rebasing: buf[cut...]), hash: TokenIndex.substringHash(prefix, powers, cut, buf.count))
                    else { continue }
                    local.append(Merge(left: Int32(l), right: Int32(r), merged: Int32(id), score: s, leftLength: leftLength, rightLength: total - leftLength))
                }
                list += local.reversed()
            }
        }
        return list
    }

    /// Python's `sorted(key=(score, len(l), len(r)), reverse=True)` order.
    private static func precedes(_ a: Merge, _ b: Merge) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.leftLength != b.leftLength { return a.leftLength > b.leftLength }
        return a.rightLength > b.rightLength
    }
}

/// Results written by concurrent workers, one slot each.
final class ChunkResults<T>: @unchecked Sendable {
    private(set) var values: [T?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ k: Int, _ value: T) {
        lock.lock()
        values[k] = value
        lock.unlock()
    }
}
