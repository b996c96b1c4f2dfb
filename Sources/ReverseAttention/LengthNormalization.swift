import Foundation

/// How a path's summed log-attention is normalized by its number of edges `n`, so that paths
/// of different lengths compare fairly. A path with no edges keeps its raw score.
public enum LengthNormalization: Sendable, Equatable, CustomStringConvertible {
    /// The raw sum of log attention.
    case none
    /// raw / n: the log of the geometric mean of the edges (the reference's default).
    case averageLogProbability
    /// raw / sqrt(n).
    case squareRoot
    /// raw / n^alpha.
    case power(Double)

    /// Parses the reference's spelling: `none`, `avg_logprob`, `sqrt`, `pow:ALPHA`.
    public init(parsing mode: String) throws(TraceError) {
        switch mode {
        case "none": self = .none
        case "avg_logprob": self = .averageLogProbability
        case "sqrt": self = .squareRoot
        default:
            if mode.hasPrefix("pow:") {
                let text = mode.dropFirst(4).trimmingCharacters(in: .whitespaces)
                guard let alpha = Double(text), alpha.isFinite else {
                    throw TraceError("invalid pow mode format: '\(mode)'. Expected 'pow:α' with a finite number α (e.g. 'pow:0.7')")
                }
                self = .power(alpha)
            } else {
                throw TraceError("unknown length normalization '\(mode)'. Expected one of: 'none', 'avg_logprob', 'sqrt', 'pow:α' (e.g. 'pow:0.7')")
            }
        }
    }

    /// The reference's spelling of this mode.
    public var description: String {
        switch self {
        case .none: "none"
        case .averageLogProbability: "avg_logprob"
        case .squareRoot: "sqrt"
        case .power(let alpha): "pow:\(alpha)"
        }
    }

    /// The normalized score of a path with summed log score `raw` over `edges` edges.
    @inlinable
    public func normalize(_ raw: Double, edges: Int) -> Double {
        if edges == 0 { return raw }
        switch self {
        case .none: return raw
        case .averageLogProbability: return raw / Double(edges)
        case .squareRoot: return raw / Double(edges).squareRoot()
        case .power(let alpha): return raw / pow(Double(edges), alpha)
        }
    }
}
