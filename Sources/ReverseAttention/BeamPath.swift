/// A found path with its tokens, as the reference's `BeamPath`.
/// Invariant: `positions.count == edgeAttentions.count + 1`.
public struct BeamPath: Sendable, Equatable, Codable {
    /// `[target, predecessor, ...]`: strictly decreasing within one layer; through the layers a
    /// position repeats while the path stays at it.
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
    /// Paths through the layers: each position's layer, `[L + 1, L, …, 0]` (node (l, p) is
    /// position p's residual stream entering layer l); nil within one layer.
    public var layers: [Int]?

    /// A path from its parts, stored as given (nothing is checked).
    public init(
        positions: [Int], tokens: [String], tokenIDs: [Int], edgeAttentions: [Double], scoreRaw: Double, scoreNorm: Double,
        layers: [Int]? = nil
    ) {
        self.layers = layers
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
        case layers
    }

    /// The path for display, earliest token first:
    /// `The -> " dog" -> . (score: -1.9643)` (the reference's `format_path_text`). Through the
    /// layers, a token shows once however many layers it stays, and each arrow names the layer
    /// whose attention moved it: `The -[L3]-> " dog" -[L12]-> . (score: -0.4120)`.
    public var text: String {
        let score = " (score: \(formatFixed(scoreNorm, digits: 4)))"
        guard let layers, layers.count == positions.count else {
            return Self.shown(tokens.reversed()).joined(separator: " -> ") + score
        }
        // Earliest first: a move from node k + 1 to node k happens in layer layers[k + 1].
        var line = ""
        for k in stride(from: positions.count - 1, through: 0, by: -1) {
            if k == positions.count - 1 {
                line = Self.shown([tokens[k]])[0]
            } else if positions[k] != positions[k + 1] {
                line += " -[L\(layers[k + 1])]-> " + Self.shown([tokens[k]])[0]
            }
        }
        return line + score
    }

    /// Tokens as the path line shows them: newlines and tabs escaped, quoted if they hold a space
    /// or are empty.
    private static func shown(_ tokens: some Sequence<String>) -> [String] {
        var shown: [String] = []
        for token in tokens {
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
        return shown
    }
}
