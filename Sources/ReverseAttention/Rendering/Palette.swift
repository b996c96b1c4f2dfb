/// Colours of the diagram: nodes by position (viridis, as the reference), links by beam.
enum Palette {
    /// The reference page's ten beam colours, cycled beyond ten.
    static let beams = ["#e94560", "#4cc9f0", "#f72585", "#7209b7", "#3a0ca3",
                        "#4361ee", "#4895ef", "#560bad", "#480ca8", "#b5179e"]
    /// A link used by several beams.
    static let shared = "#888888"

    static func beam(_ index: Int) -> String { beams[index % beams.count] }

    static func link(beamIndices: [Int]) -> String {
        beamIndices.count == 1 ? beam(beamIndices[0]) : shared
    }

    /// Matplotlib's viridis at ten evenly spaced stops.
    private static let viridis: [(Double, Double, Double)] = [
        (0x44, 0x01, 0x54), (0x48, 0x28, 0x78), (0x3e, 0x49, 0x89), (0x31, 0x68, 0x8e), (0x26, 0x82, 0x8e),
        (0x1f, 0x9e, 0x89), (0x35, 0xb7, 0x79), (0x6e, 0xce, 0x58), (0xb5, 0xde, 0x2b), (0xfd, 0xe7, 0x25),
    ]

    /// The stops as `#rrggbb` (the page's script interpolates them as `viridis(_:)` does).
    static var viridisStops: [String] { viridis.map { hex($0.0, $0.1, $0.2) } }

    private static func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
        func channel(_ v: Double) -> String {
            let v = Int(v.rounded())
            return (v < 16 ? "0" : "") + String(v, radix: 16)
        }
        return "#" + channel(r) + channel(g) + channel(b)
    }

    /// Viridis at `t` in 0...1, as `#rrggbb`.
    static func viridis(_ t: Double) -> String {
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(viridis.count - 1)
        let i = min(Int(x), viridis.count - 2)
        let f = x - Double(i)
        let a = viridis[i], b = viridis[i + 1]
        return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }

    /// Node colours: position scaled between the smallest and largest position drawn.
    static func nodeColors(_ nodes: [SankeyNode]) -> [String] {
        let positions = nodes.map(\.position)
        let lo = positions.min() ?? 0, hi = positions.max() ?? 0
        return positions.map { viridis(Double($0 - lo) / Double(max(hi - lo, 1))) }
    }
}
