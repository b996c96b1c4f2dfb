/// Exact search: the `top_beam` best paths by the same normalized score over the same
/// candidate graph as beam search, found by dynamic programming over the DAG.
///
/// A path's normalized score depends only on its raw sum `S` and its edge count `n`, and for a
/// fixed `n` it grows with `S`. So if a path is among the best `K`, its prefix up to any node `v`
/// at `m` edges is among the `K` best prefixes reaching `v` with exactly `m` edges (else `K` better
/// prefixes with the same suffix would beat it). The search therefore keeps, layer by layer
/// (layer `m` = paths of `m` edges), the `K` best raw sums per node: O(layers · edges · K) time.
///
/// Memory stays small: only the current layer is live, every `B ≈ √layers`-th layer is kept as
/// a checkpoint, and the winning paths are recovered afterwards by recomputing one segment of
/// `B` layers at a time with back-pointers.
enum ExactSearch {
    static func run(graph: PredecessorGraph, target: Int, options: PathSearchOptions) -> [ScoredPath] {
        var search = LayeredSearch(graph: graph, target: target, options: options)
        let winners = search.findBest()
        return search.reconstruct(winners)
    }
}

/// One layer of the dynamic program: for each node, up to K raw sums, best first.
private struct Layer {
    var scores: [Double]
    var counts: [Int32]
    /// Nodes with at least one entry, in the order they were first reached.
    var reached: [Int32] = []

    init(nodes: Int, k: Int) {
        scores = [Double](repeating: -.infinity, count: nodes * k)
        counts = [Int32](repeating: 0, count: nodes)
    }

    mutating func clear() {
        for u in reached { counts[Int(u)] = 0 }
        reached.removeAll(keepingCapacity: true)
    }
}

/// A complete path found by the forward pass: where it ends, its length and rank there.
private struct Winner {
    var normalized: Double
    var raw: Double
    var length: Int
    var node: Int
    var rank: Int
}

private struct LayeredSearch {
    let graph: PredecessorGraph
    let target: Int
    let k: Int
    let nodes: Int
    let norm: LengthNormalization
    /// A path reaching a terminal node ends there (position 0, a BOS position, or no predecessors).
    let isTerminal: [Bool]
    /// Checkpoint stride in layers.
    let stride: Int
    var checkpoints: [Int: Layer] = [:]

    init(graph: PredecessorGraph, target: Int, options: PathSearchOptions) {
        self.graph = graph
        self.target = target
        self.k = options.topBeam
        self.nodes = target + 1
        self.norm = options.lengthNormalization
        let bos = options.stopAtBOS ? Set(options.bosPositions) : []
        var isTerminal = [Bool](repeating: false, count: target + 1)
        for p in 0...target {
            // The target itself is never ended by being a BOS position (the reference checks BOS
            // only when a beam steps onto it).
            isTerminal[p] = p == 0 || graph.predecessors[p].isEmpty || (p != target && bos.contains(p))
        }
        self.isTerminal = isTerminal
        self.stride = max(1, Int(Double(target + 1).squareRoot().rounded(.up)))
    }

    /// Layer 0: the empty path at the target.
    private func firstLayer() -> Layer {
        var layer = Layer(nodes: nodes, k: k)
        layer.scores[target * k] = 0
        layer.counts[target] = 1
        layer.reached = [Int32(target)]
        return layer
    }

    /// Extends every non-terminal entry of `previous` by one edge into `next` (cleared first).
    /// With `backPointers`, records for each new entry the index `node * k + rank` it came from.
    private func step(_ previous: Layer, into next: inout Layer, backPointers: UnsafeMutablePointer<UInt32>?) {
        next.clear()
        let k = self.k
        previous.scores.withUnsafeBufferPointer { prevScores in
            next.scores.withUnsafeMutableBufferPointer { scores in
                next.counts.withUnsafeMutableBufferPointer { counts in
                    for v32 in previous.reached {
                        let v = Int(v32)
                        if isTerminal[v] { continue }
                        let count = Int(previous.counts[v])
                        let base = v * k
                        for edge in graph.predecessors[v] {
                            let u = edge.position
                            let ub = u * k
                            for r in 0..<count {
                                let s = prevScores[base + r] + edge.logAttention
                                // Insert into u's best-K list, keeping earlier entries on ties.
                                var i = Int(counts[u])
                                if i == k {
                                    if s <= scores[ub + k - 1] { break }  // later ranks are no better
                                    i = k - 1
                                } else {
                                    if i == 0 { next.reached.append(Int32(u)) }
                                    counts[u] += 1
                                }
                                while i > 0 && scores[ub + i - 1] < s {
                                    scores[ub + i] = scores[ub + i - 1]
                                    backPointers?[ub + i] = backPointers![ub + i - 1]
                                    i -= 1
                                }
                                scores[ub + i] = s
                                backPointers?[ub + i] = UInt32(base + r)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Forward pass: every layer once, keeping checkpoints and the K best complete paths.
    mutating func findBest() -> [Winner] {
        var winners: [Winner] = []
        var current = firstLayer()
        var next = Layer(nodes: nodes, k: k)
        var length = 0
        while true {
            if length % stride == 0 { checkpoints[length] = current }
            var anyActive = false
            for u32 in current.reached {
                let u = Int(u32)
                guard isTerminal[u] else { anyActive = true; continue }
                for r in 0..<Int(current.counts[u]) {
                    let raw = current.scores[u * k + r]
                    offer(Winner(normalized: norm.normalize(raw, edges: length), raw: raw, length: length, node: u, rank: r), to: &winners)
                }
            }
            guard anyActive else { break }
            step(current, into: &next, backPointers: nil)
            swap(&current, &next)
            length += 1
        }
        return winners
    }

    private func offer(_ candidate: Winner, to winners: inout [Winner]) {
        if winners.count == k {
            if candidate.normalized <= winners[k - 1].normalized { return }
            winners.removeLast()
        }
        var i = winners.count
        while i > 0 && winners[i - 1].normalized < candidate.normalized { i -= 1 }
        winners.insert(candidate, at: i)
    }

    /// Recovers each winner's positions, walking back-pointers segment by segment from the
    /// deepest layer down, recomputing each segment once from its checkpoint.
    func reconstruct(_ winners: [Winner]) -> [ScoredPath] {
        // Per winner: the walk so far (terminal first), and where it stands (layer, node, rank).
        var walks = winners.map { [$0.node] }
        var cursor = winners.map { (layer: $0.length, node: $0.node, rank: $0.rank) }
        let deepest = winners.map(\.length).max() ?? 0
        var backPointers = [UInt32](repeating: 0, count: 0)
        var segmentStart = deepest == 0 ? 0 : (deepest - 1) / stride * stride
        while segmentStart >= 0 && cursor.contains(where: { $0.layer > 0 }) {
            let inSegment = cursor.indices.filter { cursor[$0].layer > segmentStart && cursor[$0].layer <= segmentStart + stride }
            if !inSegment.isEmpty {
                let top = inSegment.map { cursor[$0].layer }.max()!
                let span = top - segmentStart
                if backPointers.count < span * nodes * k {
                    backPointers = [UInt32](repeating: 0, count: span * nodes * k)
                }
                var layer = checkpoints[segmentStart]!
                var next = Layer(nodes: nodes, k: k)
                backPointers.withUnsafeMutableBufferPointer { back in
                    for j in 0..<span {
                        step(layer, into: &next, backPointers: back.baseAddress! + j * nodes * k)
                        swap(&layer, &next)
                    }
                    for w in inSegment {
                        var (m, u, r) = cursor[w]
                        while m > segmentStart {
                            let from = Int(back[(m - segmentStart - 1) * nodes * k + u * k + r])
                            u = from / k
                            r = from % k
                            m -= 1
                            walks[w].append(u)
                        }
                        cursor[w] = (m, u, r)
                    }
                }
            }
            segmentStart -= stride
        }
        return winners.indices.map { w in
            let positions = Array(walks[w].reversed())
            var edges: [Double] = []
            var raw = 0.0
            for i in 0..<(positions.count - 1) {
                let edge = graph.predecessors[positions[i]].first { $0.position == positions[i + 1] }!
                edges.append(edge.attention)
                raw += edge.logAttention
            }
            precondition(positions.first == target && raw == winners[w].raw, "exact search: path reconstruction is inconsistent")
            return ScoredPath(positions: positions, edgeAttentions: edges, rawScore: raw, normalizedScore: winners[w].normalized)
        }
    }
}
