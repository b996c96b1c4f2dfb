/// Everything path search needs besides the matrix, with the reference's defaults.
public struct PathSearchOptions: Sendable, Equatable {
    /// Position to trace back from; negative values count from the end (-1 = last token).
    public var targetPosition: Int = -1
    /// How many paths to keep (beam width, and the number of paths returned).
    public var topBeam: Int = 5
    /// How many predecessors of each position to consider.
    public var topK: Int = 5
    /// Attention below this value is never followed.
    public var minAttention: Double = 0
    /// How a path's summed log attention is normalized by its number of edges.
    public var lengthNormalization: LengthNormalization = .averageLogProbability
    /// End a path when it reaches a BOS position.
    public var stopAtBOS: Bool = true
    /// Positions holding a BOS token (used when `stopAtBOS`).
    public var bosPositions: [Int] = []
    /// Per position: false = masked out (padding), never a predecessor. nil = all valid.
    public var mask: [Bool]? = nil
    /// Attention sinks dropped or renormalized away before the search; nil = not asked (the
    /// matrix as it is, and no `sink_mass` in trace.json).
    public var sink: SinkOptions? = nil

    /// Options with the reference's defaults for anything not given.
    public init(
        targetPosition: Int = -1, topBeam: Int = 5, topK: Int = 5, minAttention: Double = 0,
        lengthNormalization: LengthNormalization = .averageLogProbability, stopAtBOS: Bool = true,
        bosPositions: [Int] = [], mask: [Bool]? = nil, sink: SinkOptions? = nil
    ) {
        self.sink = sink
        self.targetPosition = targetPosition
        self.topBeam = topBeam
        self.topK = topK
        self.minAttention = minAttention
        self.lengthNormalization = lengthNormalization
        self.stopAtBOS = stopAtBOS
        self.bosPositions = bosPositions
        self.mask = mask
    }

    /// Checks the options against a sequence length and returns the target as a position in
    /// `0..<sequenceLength`. Errors read like the reference's.
    public func validated(sequenceLength: Int) throws(TraceError) -> Int {
        guard topBeam >= 1 else { throw TraceError("top_beam must be >= 1, got \(topBeam)") }
        guard topK >= 1 else { throw TraceError("top_k must be >= 1, got \(topK)") }
        guard minAttention.isFinite else { throw TraceError("min_attn must be a finite number, got \(minAttention)") }
        if case .power(let alpha) = lengthNormalization, !alpha.isFinite {
            throw TraceError("pow length normalization needs a finite exponent, got \(alpha)")
        }
        guard sequenceLength >= 1 else { throw TraceError("the sequence is empty: nothing to trace") }
        let target = targetPosition < 0 ? sequenceLength + targetPosition : targetPosition
        guard target >= 0 && target < sequenceLength else {
            throw TraceError("target position \(targetPosition) out of range for sequence length \(sequenceLength)")
        }
        if let mask, mask.count != sequenceLength {
            throw TraceError("attention mask has \(mask.count) entries, but the sequence has \(sequenceLength) tokens")
        }
        if let bad = bosPositions.first(where: { $0 < 0 || $0 >= sequenceLength }) {
            throw TraceError("BOS position \(bad) out of range for sequence length \(sequenceLength)")
        }
        return target
    }
}
