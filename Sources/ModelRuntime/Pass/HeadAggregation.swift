/// How the attention heads of one layer are combined into one `[seq][seq]` matrix.
public enum HeadAggregation: String, Sendable, CaseIterable, Codable {
    /// Average over heads (the reference's default).
    case mean
    /// Elementwise maximum over heads.
    case max
    /// Keep every head: `[heads][seq][seq]`. Path search rejects it.
    case none

    /// Reduces `heads` row-major `[seq][seq]` blocks stored one after another into one block.
    /// `mean` sums heads in order in float32 and divides by the head count, as torch's
    /// `mean(dim=0)` does on the CPU.
    public func reduce(_ values: UnsafeBufferPointer<Float>, heads: Int, blockSize: Int, into out: UnsafeMutableBufferPointer<Float>) {
        precondition(heads >= 1 && values.count == heads * blockSize && out.count == blockSize)
        for i in 0..<blockSize { out[i] = values[i] }
        switch self {
        case .mean:
            for h in 1..<heads {
                let base = h * blockSize
                for i in 0..<blockSize { out[i] += values[base + i] }
            }
            let divisor = Float(heads)
            for i in 0..<blockSize { out[i] /= divisor }
        case .max:
            for h in 1..<heads {
                let base = h * blockSize
                for i in 0..<blockSize { out[i] = Swift.max(out[i], values[base + i]) }
            }
        case .none:
            preconditionFailure("HeadAggregation.none keeps every head; there is nothing to reduce")
        }
    }
}
