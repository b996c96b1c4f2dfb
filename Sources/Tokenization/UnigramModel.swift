/// A Unigram language-model vocabulary (SentencePiece's `unigram` type, HF `models.Unigram`):
/// each piece is cut into the vocabulary entries whose scores sum highest (Viterbi), as HF's
/// `encode_optimized` does, with its tie-breaking (the first, shortest candidate keeps a tie),
/// its unknown-character penalty and its fusing of consecutive unknowns.
struct UnigramModel: Sendable {
    let scores: [Double]
    /// Token bytes -> id (a later duplicate wins, as HF's map).
    let ids: [[UInt8]: Int32]
    /// The vocabulary as a byte trie, each token's node holding its id.
    let trie: ByteTrie
    let unknownID: Int32
    let unknownScore: Double
    /// `<0xNN>` ids by byte (-1 when absent), nil without byte fallback.
    let byteFallback: [Int32]?

    init(pieces: [(token: String, score: Double)], unknownID: Int32, byteFallback: Bool) {
        var ids: [[UInt8]: Int32] = [:]
        ids.reserveCapacity(pieces.count)
        var trie = ByteTrie()
        var bytes = [Int32](repeating: -1, count: 256)
        var minScore = Double.infinity
        for (k, piece) in pieces.enumerated() {
            let u = Array(piece.token.utf8)
            ids[u] = Int32(k)
            minScore = min(minScore, piece.score)
            if byteFallback, let b = CharacterSymbols.byteToken(piece.token) { bytes[Int(b)] = Int32(k) }
            // A later duplicate replaces the id, as in the map.
            if !u.isEmpty { trie.insert(u, value: Int32(k)) }
        }
        self.scores = pieces.map(\.score)
        self.ids = ids
        self.trie = trie
        self.unknownID = unknownID
        self.unknownScore = minScore - 10
        self.byteFallback = byteFallback ? bytes : nil
    }

    func encode(_ piece: ArraySlice<UInt8>, into out: inout [Int32]) {
        let text = Array(piece)
        let n = text.count
        guard n > 0 else { return }
        var bestScore = [Double](repeating: 0, count: n + 1)
        var bestStart = [Int](repeating: -1, count: n + 1)
        var bestID = [Int32](repeating: 0, count: n + 1)
        var start = 0
        while start < n {
            let scoreHere = bestScore[start]
            let charLength = UTF8Scalar.length(text[start])
            var hasSingle = false
            var node: Int32 = 0
            var end = start
            while end < n, let next = trie.child(of: node, text[end]) {
                node = next
                end += 1
                let id = trie.values[Int(node)]
                guard id >= 0 else { continue }
                let candidate = scoreHere + scores[Int(id)]
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    bestStart[end] = start
                    bestID[end] = id
                }
                if end - start == charLength { hasSingle = true }
            }
            let charEnd = min(start + charLength, n)
            if !hasSingle {
                let candidate = scoreHere + unknownScore
                if bestStart[charEnd] < 0 || candidate > bestScore[charEnd] {
                    bestScore[charEnd] = candidate
                    bestStart[charEnd] = start
                    bestID[charEnd] = unknownID
                }
            }
            start = charEnd
        }
        // Back from the end; runs of unknowns become one piece.
        var pieces: [Range<Int>] = []
        var end = n
        var unknownRun: Range<Int>? = nil
        while end > 0 {
            let s = bestStart[end]
            if bestID[end] == unknownID {
                unknownRun = s..<(unknownRun?.upperBound ?? end)
            } else {
                if let run = unknownRun { pieces.append(run); unknownRun = nil }
                pieces.append(s..<end)
            }
            end = s
        }
        if let run = unknownRun { pieces.append(run) }
        for r in pieces.reversed() {
            let bytes = Array(text[r])
            if let id = ids[bytes] {
                out.append(id)
            } else if let byteFallback, bytes.allSatisfy({ byteFallback[Int($0)] >= 0 }) {
                for b in bytes { out.append(byteFallback[Int(b)]) }
            } else {
                out.append(unknownID)
            }
        }
    }
}
