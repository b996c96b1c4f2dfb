import Foundation

/// Draws a trace's Sankey diagram as SVG: the same markup serves the page (where the script
/// adds zoom, pan and selection) and `--svg` (a static figure for papers).
public enum SankeySVG {
    /// A standalone SVG document: background, inline styles and `<title>` tooltips.
    public static func document(_ trace: TraceResult) -> String {
        let layout = SankeyLayout(trace.sankey)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + markup(trace, layout: layout, standalone: true)
    }

    /// The `<svg>` element. In the page (`standalone == false`) colours come from the page's CSS
    /// where interaction changes them, and tooltips from the page's script.
    static func markup(_ trace: TraceResult, layout: SankeyLayout, standalone: Bool) -> String {
        let sankey = trace.sankey
        var s = ""
        s += "<svg id=\"sankey\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(n(layout.width)) \(n(layout.height))\""
        s += standalone ? " width=\"\(n(layout.width))\" height=\"\(n(layout.height))\"" : " preserveAspectRatio=\"xMidYMid meet\""
        s += " font-family=\"-apple-system, 'Segoe UI', Roboto, Ubuntu, sans-serif\" role=\"img\""
        s += " aria-label=\"Attention paths to position \(trace.targetPos)\">\n"
        if standalone {
            s += "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#1a1a2e\"/>\n"
        } else {
            s += "<rect class=\"background\" x=\"-100000\" y=\"-100000\" width=\"200000\" height=\"200000\" fill=\"transparent\"/>\n"
        }
        s += "<g id=\"viewport\">\n<g class=\"links\">\n"
        for (i, link) in sankey.links.enumerated() {
            let r = layout.links[i]
            let xm = (r.x0 + r.x1) / 2
            let beams = link.beamIndices.map(String.init).joined(separator: " ")
            s += "<path class=\"link\" data-index=\"\(i)\" data-source=\"\(escapeMarkup(link.source))\""
            s += " data-target=\"\(escapeMarkup(link.target))\" data-beams=\"\(beams)\""
            s += " d=\"M\(n(r.x0)),\(n(r.y0))C\(n(xm)),\(n(r.y0)) \(n(xm)),\(n(r.y1)) \(n(r.x1)),\(n(r.y1))\""
            s += " stroke=\"\(Palette.link(beamIndices: link.beamIndices))\" stroke-width=\"\(n(max(2, r.width)))\""
            s += " fill=\"none\" stroke-opacity=\"0.45\">"
            if standalone {
                let from = label(trace, position: position(of: link.source, in: sankey))
                let to = label(trace, position: position(of: link.target, in: sankey))
                s += "<title>\(escapeMarkup("\(from) → \(to): \(String(format: "%.4f", link.value))"))</title>"
            }
            s += "</path>\n"
        }
        s += "</g>\n<g class=\"nodes\">\n"
        let colors = Palette.nodeColors(sankey.nodes)
        for (i, node) in sankey.nodes.enumerated() {
            let b = layout.nodes[i]
            let text = label(trace, position: node.position)
            s += "<g class=\"node\" data-id=\"\(escapeMarkup(node.id))\" data-position=\"\(node.position)\""
            s += node.position == trace.targetPos ? " data-target=\"true\">" : ">"
            s += "<rect x=\"\(n(b.x0))\" y=\"\(n(b.y0))\" width=\"\(n(b.x1 - b.x0))\" height=\"\(n(max(b.y1 - b.y0, 1)))\""
            s += " fill=\"\(colors[i])\" stroke=\"#ffffff\" stroke-width=\"1\" fill-opacity=\"0.9\"/>"
            s += "<text x=\"\(n(b.x1 + 6))\" y=\"\(n(b.centerY))\" dy=\"0.35em\" font-size=\"12\" fill=\"#eeeeee\">"
            s += escapeMarkup(TokenLabel.truncated(text)) + "</text>"
            if standalone { s += "<title>\(escapeMarkup("Position \(node.position): \(text)"))</title>" }
            s += "</g>\n"
        }
        s += "</g>\n</g>\n</svg>\n"
        return s
    }

    private static func position(of id: String, in sankey: SankeyData) -> Int? {
        sankey.nodes.first { $0.id == id }?.position
    }

    private static func label(_ trace: TraceResult, position: Int?) -> String {
        guard let position, position < trace.tokens.count else { return "?" }
        return TokenLabel.readable(trace.tokens[position])
    }

    /// A coordinate with at most two decimals.
    private static func n(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
