/// One aggregated attention matrix `A[seq][seq]`: row `q` holds how much query position `q`
/// attends to each key position. Path search reads only the strictly lower triangle
/// (`A[q][0..<q]`), so the matrix must be causal: entries above the diagonal are zero.
///
/// Values are float32, as the reference's PyTorch attention is; every value is finite and >= 0.
public struct AttentionMatrix: Sendable, Equatable {
    /// The sequence length (rows == columns).
    public let size: Int
    /// Row-major `size * size` values.
    public let values: [Float]

    /// Validates and wraps row-major values.
    public init(size: Int, values: [Float]) throws(TraceError) {
        guard size >= 1 else {
            throw TraceError("attention matrix is empty: the sequence needs at least one token")
        }
        guard values.count == size * size else {
            throw TraceError("attention matrix of size \(size) needs \(size * size) values, got \(values.count)")
        }
        for row in 0..<size {
            for col in 0..<size {
                let v = values[row * size + col]
                guard v.isFinite else {
                    throw TraceError("attention matrix has a non-finite value \(v) at [\(row)][\(col)]")
                }
                guard v >= 0 else {
                    throw TraceError("attention matrix has a negative value \(v) at [\(row)][\(col)]; attention probabilities are >= 0")
                }
                if col > row && v != 0 {
                    throw TraceError(
                        "attention matrix is not causal: [\(row)][\(col)] = \(v) lies above the diagonal; rat traces causal (decoder) attention, where a token attends only to itself and earlier tokens")
                }
            }
        }
        self.size = size
        self.values = values
    }

    /// A matrix from rows; every row must have as many entries as there are rows.
    public init(rows: [[Float]]) throws(TraceError) {
        for (i, row) in rows.enumerated() where row.count != rows.count {
            throw TraceError("attention matrix is not square: row \(i) has \(row.count) entries, expected \(rows.count)")
        }
        try self.init(size: rows.count, values: rows.flatMap { $0 })
    }

    /// Aggregates `[heads][seq][seq]` row-major values with `mean` or `max`.
    public init(heads: Int, size: Int, values: [Float], aggregation: HeadAggregation) throws(TraceError) {
        guard aggregation != .none else {
            throw TraceError("agg_heads 'none' is not supported for path search: use 'mean' or 'max' to aggregate attention heads")
        }
        guard heads >= 1 else { throw TraceError("attention has no heads") }
        guard size >= 1 else { throw TraceError("attention matrix is empty: the sequence needs at least one token") }
        guard values.count == heads * size * size else {
            throw TraceError("attention of \(heads) heads of size \(size) needs \(heads * size * size) values, got \(values.count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            let h = bad / (size * size), r = (bad / size) % size, c = bad % size
            throw TraceError("attention has an invalid value \(values[bad]) at head \(h) [\(r)][\(c)]; expected finite probabilities >= 0")
        }
        var reduced = [Float](repeating: 0, count: size * size)
        values.withUnsafeBufferPointer { input in
            reduced.withUnsafeMutableBufferPointer { output in
                aggregation.reduce(input, heads: heads, blockSize: size * size, into: output)
            }
        }
        try self.init(size: size, values: reduced)
    }

    /// The attention from query position `row` to key position `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Float { values[row * size + column] }
}
