/// Each query row's strongest predecessors, for several layers and head aggregations: what a
/// path search over any of those layers needs, at `cap` entries per row instead of a whole row.
///
/// Row `p` of a layer and aggregation lists the key positions `q < p` that are not padding and
/// have attention > 0, by attention descending (ties: lower position first), at most `cap` of
/// them. That is the order path search ranks predecessors in, so for any `top_k <= cap` and any
/// `min_attn` threshold, path search's candidates are a prefix of this list: the entries at or
/// above the threshold, first `top_k` of them.
public struct AttentionCandidates: Sendable, Equatable {
    /// Model layer numbers, ascending.
    public let layers: [Int]
    /// Head aggregations held for every layer; nil = a matrix given already aggregated.
    public let aggregations: [HeadAggregation?]
    /// Entries kept per row (1...255).
    public let cap: Int
    /// The rows are query positions `firstRow..<firstRow + rows` (a pass on a KV cache starts
    /// past the cached positions).
    public let firstRow: Int
    /// How many query rows are held, per layer and aggregation.
    public let rows: Int
    /// Per row slot (see `slot`): how many entries the row holds.
    public internal(set) var counts: [UInt8]
    /// Per row slot, `cap` entries: key positions and their attention (float32, as computed).
    public internal(set) var positions: [Int32]
    /// The attention of each entry of `positions`, at the same index.
    public internal(set) var weights: [Float]
    /// Per row slot: the row's attention to its own position (`A[p][p]`, which no candidate list
    /// holds): what paths through the layers (`--across-layers`) need besides the candidates.
    public internal(set) var diagonals: [Float]
    /// Attention sinks the rows also describe (`--sink`): per row slot, the sum of the row's
    /// other entries (left to right, in double precision: what `renorm` divides by) and the
    /// row's share of attention on the sinks. Empty without sinks. With sinks, `cap` counts
    /// one more entry per sink position, so that `cap - sinkPositions.count` entries remain
    /// once the sinks are dropped.
    public internal(set) var sinkPositions: [Int] = []
    /// Per row slot: the sum of the row's entries at positions other than the sinks (its own
    /// included), left to right in double precision. Empty without sinks.
    public internal(set) var sinkRests: [Double] = []
    /// Per row slot: the sinks' share of the row's total attention (0 for an all-zero row). Empty
    /// without sinks.
    public internal(set) var sinkMasses: [Double] = []

    /// The largest `cap`: a row's count is stored in one byte.
    public static let maximumCap = 255

    /// Empty rows (filled by a pass, or by `fill`).
    public init(layers: [Int], aggregations: [HeadAggregation?], cap: Int, rows: Int, firstRow: Int = 0, sinkPositions: [Int] = []) {
        precondition(cap >= 1 && cap <= Self.maximumCap && rows >= 0 && firstRow >= 0)
        self.layers = layers
        self.aggregations = aggregations
        self.cap = cap
        self.rows = rows
        self.firstRow = firstRow
        let slots = layers.count * aggregations.count * rows
        counts = [UInt8](repeating: 0, count: slots)
        positions = [Int32](repeating: -1, count: slots * cap)
        weights = [Float](repeating: 0, count: slots * cap)
        diagonals = [Float](repeating: 0, count: slots)
        self.sinkPositions = sinkPositions
        if !sinkPositions.isEmpty {
            sinkRests = [Double](repeating: 0, count: slots)
            sinkMasses = [Double](repeating: 0, count: slots)
        }
    }

    /// Consecutive parts (each starting where the previous one ends, same layers, aggregations
    /// and cap) as one: a prefill and its generation steps.
    public init(concatenating parts: [AttentionCandidates]) {
        precondition(!parts.isEmpty)
        let first = parts[0]
        self.init(layers: first.layers, aggregations: first.aggregations, cap: first.cap,
                  rows: parts.reduce(0) { $0 + $1.rows }, firstRow: first.firstRow, sinkPositions: first.sinkPositions)
        var next = first.firstRow
        for part in parts {
            precondition(part.layers == layers && part.aggregations == aggregations && part.cap == cap && part.firstRow == next,
                         "candidates to concatenate must be consecutive parts of one sequence")
            for l in layers.indices {
                for a in aggregations.indices {
                    let from = part.slot(layerIndex: l, aggregationIndex: a, position: part.firstRow)
                    let to = slot(layerIndex: l, aggregationIndex: a, position: part.firstRow)
                    counts.replaceSubrange(to..<(to + part.rows), with: part.counts[from..<(from + part.rows)])
                    diagonals.replaceSubrange(to..<(to + part.rows), with: part.diagonals[from..<(from + part.rows)])
                    positions.replaceSubrange((to * cap)..<((to + part.rows) * cap), with: part.positions[(from * cap)..<((from + part.rows) * cap)])
                    weights.replaceSubrange((to * cap)..<((to + part.rows) * cap), with: part.weights[(from * cap)..<((from + part.rows) * cap)])
                    if !sinkPositions.isEmpty {
                        sinkRests.replaceSubrange(to..<(to + part.rows), with: part.sinkRests[from..<(from + part.rows)])
                        sinkMasses.replaceSubrange(to..<(to + part.rows), with: part.sinkMasses[from..<(from + part.rows)])
                    }
                }
            }
            next += part.rows
        }
    }

    /// The index of a row in `counts` (times `cap`: in `positions` and `weights`).
    public func slot(layerIndex: Int, aggregationIndex: Int, position: Int) -> Int {
        (layerIndex * aggregations.count + aggregationIndex) * rows + (position - firstRow)
    }

    /// The candidates of one row, best first.
    public func candidates(layerIndex: Int, aggregationIndex: Int, position: Int) -> [(position: Int, weight: Float)] {
        let r = slot(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: position)
        return (0..<Int(counts[r])).map { (Int(positions[r * cap + $0]), weights[r * cap + $0]) }
    }

    /// Selects row `position`'s candidates from a whole aggregated row, `attention[key]` for keys
    /// `0...position` (`keep[key] == 0` marks padding; the diagonal is kept apart).
    public mutating func fill(layerIndex: Int, aggregationIndex: Int, position: Int, attention: UnsafePointer<Float>,
                              keep: UnsafePointer<UInt8>?) {
        let r = slot(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: position)
        let cap = self.cap
        let count = positions.withUnsafeMutableBufferPointer { p in
            weights.withUnsafeMutableBufferPointer { w in
                Self.select(attention, keys: 0..<position, keep: keep, cap: cap,
                            positions: p.baseAddress! + r * cap, weights: w.baseAddress! + r * cap)
            }
        }
        counts[r] = UInt8(count)
        diagonals[r] = attention[position]
        if !sinkPositions.isEmpty {
            (sinkRests[r], sinkMasses[r]) = sinkSums(attention, keys: 0...position, sinks: sinkPositions)
        }
    }

    /// The top-`cap` selection, the one path search ranks predecessors with (`PredecessorGraph`
    /// calls it too): `row[j]` is the attention to key `keys.lowerBound + j`; entries that are
    /// padding (`keep[key] == 0`), not positive, or below `threshold` are skipped. Writes at most
    /// `cap` entries, best first (ties: lower position first); returns how many.
    @inlinable
    public static func select(
        _ row: UnsafePointer<Float>, keys: Range<Int>, keep: UnsafePointer<UInt8>?, cap: Int, threshold: Float = 0,
        positions: UnsafeMutablePointer<Int32>, weights: UnsafeMutablePointer<Float>
    ) -> Int {
        var count = 0
        for j in 0..<keys.count {
            let v = row[j]
            // Most keys lose to the current last entry: one comparison each.
            guard v > 0, v >= threshold, count < cap || v > weights[cap - 1] else { continue }
            let key = keys.lowerBound + j
            if let keep, keep[key] == 0 { continue }
            // An equal value never displaces an earlier (lower) position.
            var i = count < cap ? count : cap - 1
            if count < cap { count += 1 }
            while i > 0 && weights[i - 1] < v {
                weights[i] = weights[i - 1]
                positions[i] = positions[i - 1]
                i -= 1
            }
            weights[i] = v
            positions[i] = Int32(key)
        }
        return count
    }
}

/// A row's sums over attention sinks, the one computation `--sink` and the explorer share:
/// `rest`, the row's other entries summed left to right in double precision (what `renorm`
/// divides by), and `mass`, the sinks' share of the whole row. `row[j]` is key
/// `keys.lowerBound + j` (keys before it are 0).
public func sinkSums(_ row: UnsafePointer<Float>, keys: ClosedRange<Int>, sinks: [Int]) -> (rest: Double, mass: Double) {
    var total = 0.0, sink = 0.0, rest = 0.0
    for j in 0..<keys.count {
        let v = Double(row[j])
        total += v
        if sinks.contains(keys.lowerBound + j) { sink += v } else { rest += v }
    }
    return (rest, total > 0 ? sink / total : 0)
}

/// What a pass keeps of the layers it explores: every row's candidates for mean and max.
public struct CandidatePlan: Sendable, Equatable {
    /// Layers to keep (negative counts from the end).
    public var layers: [Int]
    /// Entries per row (sink positions included, see `AttentionCandidates.sinkPositions`).
    public var cap: Int
    /// Attention-sink positions whose sums every row also keeps (see
    /// ``AttentionCandidates/sinkPositions``); empty = none.
    public var sinkPositions: [Int]

    /// A plan keeping `cap` candidates per row in `layers`, and sink sums when `sinkPositions` is
    /// not empty.
    public init(layers: [Int], cap: Int, sinkPositions: [Int] = []) {
        self.layers = layers
        self.cap = cap
        self.sinkPositions = sinkPositions
    }
}

/// Collects a pass's candidates: per worker, one block's mean and max rows over the heads
/// (summed in head order and divided as `HeadAggregation.mean` does, so a row equals the
/// captured matrix's row bit for bit), then each row's selection into shared raw storage (rows of
/// different blocks are disjoint, so workers never write the same slot).
final class CandidateCollector: @unchecked Sendable {
    let layers: [Int]
    let cap: Int
    /// Layer number → index in `layers`.
    private let layerIndex: [Int: Int]
    /// Per worker: [block rows][keys] mean and max accumulators.
    private let mean: [FloatBuffer], maximum: [FloatBuffer]
    /// Query positions of the pass's rows: `offset..<offset + rows`; keys `0..<offset + rows`.
    private let offset: Int, rows: Int, keys: Int
    /// Rows `(layer index · 2 + aggregation) · rows + pass row`, as in `AttentionCandidates`.
    private let counts: UnsafeMutablePointer<UInt8>
    private let positions: UnsafeMutablePointer<Int32>
    private let weights: UnsafeMutablePointer<Float>
    private let diagonals: UnsafeMutablePointer<Float>
    private let sinks: [Int]
    /// Per row slot with sinks: the sums for `renorm` and `sink_mass` (raw storage, as above).
    private let rests: UnsafeMutablePointer<Double>, masses: UnsafeMutablePointer<Double>
    private var slots: Int { layers.count * 2 * rows }

    init(layers: [Int], cap: Int, sinks: [Int], rows: Int, offset: Int, workers: Int, blockRows: Int) {
        self.layers = layers
        self.cap = cap
        self.sinks = sinks
        rests = .allocate(capacity: max(layers.count * 2 * rows, 1))
        rests.initialize(repeating: 0, count: max(layers.count * 2 * rows, 1))
        masses = .allocate(capacity: max(layers.count * 2 * rows, 1))
        masses.initialize(repeating: 0, count: max(layers.count * 2 * rows, 1))
        layerIndex = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1, $0) })
        self.rows = rows
        self.offset = offset
        keys = offset + rows
        mean = (0..<workers).map { _ in FloatBuffer(min(blockRows, rows) * (offset + rows)) }
        maximum = (0..<workers).map { _ in FloatBuffer(min(blockRows, rows) * (offset + rows)) }
        let slots = layers.count * 2 * rows
        counts = .allocate(capacity: max(slots, 1))
        counts.initialize(repeating: 0, count: max(slots, 1))
        positions = .allocate(capacity: max(slots * cap, 1))
        positions.initialize(repeating: -1, count: max(slots * cap, 1))
        weights = .allocate(capacity: max(slots * cap, 1))
        weights.initialize(repeating: 0, count: max(slots * cap, 1))
        diagonals = .allocate(capacity: max(slots, 1))
        diagonals.initialize(repeating: 0, count: max(slots, 1))
    }

    deinit {
        counts.deallocate()
        positions.deallocate()
        weights.deallocate()
        diagonals.deallocate()
        rests.deallocate()
        masses.deallocate()
    }

    func collects(_ layer: Int) -> Bool { layerIndex[layer] != nil }

    /// Adds one head's probabilities `row[0...last]` (key `keyStart + j` at `row[j]`) of block
    /// row `r` into the worker's accumulators; heads arrive in order, head 0 first.
    @inline(__always)
    func add(worker: Int, blockRow r: Int, head: Int, row: UnsafePointer<Float>, keyStart: Int, last: Int) {
        let m = mean[worker].pointer + r * keys + keyStart, x = maximum[worker].pointer + r * keys + keyStart
        if head == 0 {
            m.update(from: row, count: last + 1)
            x.update(from: row, count: last + 1)
        } else {
            for j in 0...last {
                m[j] += row[j]
                x[j] = max(x[j], row[j])
            }
        }
    }

    /// After every head of a block of pass rows: divides the means and selects each row's
    /// candidates among keys `keyStart(position)..<position`.
    func finish(worker: Int, layer: Int, block: Range<Int>, heads: Int, keep: UnsafePointer<UInt8>?, keyStart: (Int) -> Int) {
        let l = layerIndex[layer]!
        let divisor = Float(heads)
        for (r, local) in block.enumerated() {
            let position = offset + local, start = keyStart(position)
            let m = mean[worker].pointer + r * keys + start, x = maximum[worker].pointer + r * keys + start
            for j in 0...(position - start) { m[j] /= divisor }
            for (a, row) in [m, x].enumerated() {
                let slot = (l * 2 + a) * rows + local
                counts[slot] = UInt8(AttentionCandidates.select(
                    row, keys: start..<position, keep: keep, cap: cap, positions: positions + slot * cap, weights: weights + slot * cap))
                diagonals[slot] = row[position - start]
                if !sinks.isEmpty {
                    (rests[slot], masses[slot]) = sinkSums(row, keys: start...position, sinks: sinks)
                }
            }
        }
    }

    /// The collected rows as candidates for positions `offset..<offset + rows` (`firstRow`).
    func candidates() -> AttentionCandidates {
        var result = AttentionCandidates(layers: layers, aggregations: [.mean, .max], cap: cap, rows: rows, firstRow: offset, sinkPositions: sinks)
        if !sinks.isEmpty {
            result.sinkRests = Array(UnsafeBufferPointer(start: rests, count: slots))
            result.sinkMasses = Array(UnsafeBufferPointer(start: masses, count: slots))
        }
        result.counts = Array(UnsafeBufferPointer(start: counts, count: slots))
        result.positions = Array(UnsafeBufferPointer(start: positions, count: slots * cap))
        result.weights = Array(UnsafeBufferPointer(start: weights, count: slots * cap))
        result.diagonals = Array(UnsafeBufferPointer(start: diagonals, count: slots))
        return result
    }
}
