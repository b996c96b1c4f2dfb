/// A found path with its tokens, as the reference's `BeamPath`.
/// Invariant: `positions.count == edgeAttentions.count + 1`.
public struct BeamPath: Sendable, Equatable, Codable {
    /// `[target, predecessor, ...]`, strictly decreasing.
    public var positions: [Int]
    /// Each position's token, decoded alone.
    public var tokens: [String]
    /// Each position's token id (-1 where the ids are unknown, e.g. a bare matrix was traced).
    public var tokenIDs: [Int]
    /// `edgeAttentions[i]`: attention from `positions[i]` to `positions[i + 1]`.
    public var edgeAttentions: [Double]
    /// Sum of log attention over the edges.
    public var scoreRaw: Double
    /// `scoreRaw` normalized by length.
    public var scoreNorm: Double

    public init(positions: [Int], tokens: [String], tokenIDs: [Int], edgeAttentions: [Double], scoreRaw: Double, scoreNorm: Double) {
        self.positions = positions
        self.tokens = tokens
        self.tokenIDs = tokenIDs
        self.edgeAttentions = edgeAttentions
        self.scoreRaw = scoreRaw
        self.scoreNorm = scoreNorm
    }

    enum CodingKeys: String, CodingKey {
        case positions, tokens
        case tokenIDs = "token_ids"
        case edgeAttentions = "edge_attns"
        case scoreRaw = "score_raw"
        case scoreNorm = "score_norm"
    }

    /// The path for display, earliest token first:
    /// `The -> " dog" -> . (score: -1.9643)` (the reference's `format_path_text`).
    public var text: String {
        var shown: [String] = []
        for token in tokens.reversed() {
            var escaped = String.UnicodeScalarView()
            var hasSpace = false
            for scalar in token.unicodeScalars {
                switch scalar {
                case "\n": escaped.append(contentsOf: "\\n".unicodeScalars)
                case "\t": escaped.append(contentsOf: "\\t".unicodeScalars)
                default:
                    if scalar == " " { hasSpace = true }
                    escaped.append(scalar)
                }
            }
            let s = String(escaped)
            shown.append(hasSpace || s.isEmpty ? "\"\(s)\"" : s)
        }
        return shown.joined(separator: " -> ") + " (score: \(formatFixed(scoreNorm, digits: 4)))"
    }
}
