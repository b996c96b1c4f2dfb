import Foundation
import ModelRuntime

/// What path search does with attention sinks: positions (usually the first token) that soak up
/// much of every row's attention and carry little of the text's meaning, so that paths to them
/// hide everything else (bertviz #131; circuit-tracer zeroes BOS by default).
public enum SinkHandling: String, Sendable, CaseIterable, Codable {
    /// Search the attention as it is.
    case keep
    /// Zero the sink columns, then search.
    case drop
    /// Zero the sink columns and rescale each row to sum 1 over what is left (a row with nothing
    /// left stays zero), then search.
    case renorm
}

/// `--sink` and `--sink-positions`.
public struct SinkOptions: Sendable, Equatable {
    /// What happens to the sink columns before the search.
    public var handling: SinkHandling
    /// The sink positions (default: the first token).
    public var positions: [Int]

    /// Sinks handled as `handling` at `positions` (default: the first token).
    public init(_ handling: SinkHandling, positions: [Int] = [0]) {
        self.handling = handling
        self.positions = positions
    }

    /// Every sink position names a token of a text of `sequenceLength` tokens.
    public func validate(sequenceLength: Int) throws(TraceError) {
        if let bad = positions.first(where: { $0 < 0 || $0 >= sequenceLength }) {
            throw TraceError("sink position \(bad) out of range for sequence length \(sequenceLength)")
        }
    }
}

extension AttentionMatrix {
    /// Row `row`'s share of attention on `positions` (at or before the row), of all its attention.
    public func sinkMass(row: Int, positions: [Int]) -> Double {
        values.withUnsafeBufferPointer { sinkSums($0.baseAddress! + row * size, keys: 0...row, sinks: positions).mass }
    }

    /// The matrix with the sink columns zeroed (`drop`), and each row rescaled to sum 1 over its
    /// other columns (`renorm`): entry `Float(Double(a) / S)` with `S` the row's other entries
    /// summed left to right in double precision (`sinkSums`, as the explorer's rows hold it).
    public func applyingSinks(_ options: SinkOptions) throws(TraceError) -> AttentionMatrix {
        try options.validate(sequenceLength: size)
        guard options.handling != .keep else { return self }
        var values = self.values
        let sinks = Set(options.positions)
        for r in 0..<size {
            let rest = self.values.withUnsafeBufferPointer { sinkSums($0.baseAddress! + r * size, keys: 0...r, sinks: options.positions).rest }
            for j in 0...r {
                if sinks.contains(j) {
                    values[r * size + j] = 0
                } else if options.handling == .renorm && rest > 0 {
                    values[r * size + j] = renormalized(values[r * size + j], rest: rest)
                }
            }
        }
        return try AttentionMatrix(size: size, values: values)
    }
}

extension AttentionCandidates {
    /// The candidates kept sink sums for `sinks`' positions up to `target`, so that `sinks` can be
    /// applied to them and their mass read.
    func requireSinkSums(for sinks: SinkOptions?, upTo target: Int) throws(TraceError) {
        guard let sinks else { return }
        if Set(sinks.positions.filter { $0 <= target }) != Set(sinkPositions.filter { $0 <= target }) {
            throw TraceError("the pass kept sink sums for positions \(sinkPositions), not \(sinks.positions)")
        }
    }

    /// Row `position`'s candidates, best first, with `sinks` applied as `applyingSinks` applies
    /// them to a matrix (nil or `.keep`: as kept): the sink positions left out and, with
    /// `.renorm`, each weight divided by the row's kept sum and rounded to float32, which can make
    /// two of them equal; equal entries rank by position, as in a matrix's row.
    func candidates(layerIndex: Int, aggregationIndex: Int, position: Int, sinks: SinkOptions?) -> [(position: Int, weight: Float)] {
        var row = candidates(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: position)
        guard let sinks, sinks.handling != .keep else { return row }
        row.removeAll { sinks.positions.contains($0.position) }
        let rest = sinkRests[slot(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: position)]
        if sinks.handling == .renorm && rest > 0 {
            row = row.map { ($0.position, renormalized($0.weight, rest: rest)) }
            row.sort { $0.weight > $1.weight || ($0.weight == $1.weight && $0.position < $1.position) }
        }
        return row
    }

    /// Row `position`'s attention to itself with `sinks` applied (see
    /// `candidates(layerIndex:aggregationIndex:position:sinks:)`).
    func diagonal(layerIndex: Int, aggregationIndex: Int, position: Int, sinks: SinkOptions?) -> Float {
        let slot = slot(layerIndex: layerIndex, aggregationIndex: aggregationIndex, position: position)
        guard let sinks, sinks.handling != .keep else { return diagonals[slot] }
        if sinks.positions.contains(position) { return 0 }
        let rest = sinkRests[slot]
        return sinks.handling == .renorm && rest > 0 ? renormalized(diagonals[slot], rest: rest) : diagonals[slot]
    }
}

/// An entry of a row whose sinks are renormalized away: divided by the sum `rest` of the row's
/// other entries in double precision, rounded to float32; the same for a matrix and for candidates.
private func renormalized(_ weight: Float, rest: Double) -> Float { Float(Double(weight) / rest) }
