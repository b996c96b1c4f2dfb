/// Where each node and link of a Sankey diagram goes, computed once in Swift so that the page
/// and the static SVG draw the same picture.
///
/// Like d3-sankey with left alignment (the reference's page): a node's column is the length of
/// the longest chain of links reaching it from a node without incoming links; node height is
/// proportional to its larger of incoming and outgoing flow; columns are packed with 20 px padding,
/// then relaxed a few times towards the nodes they link to; ribbons stack inside each node.
public struct SankeyLayout: Sendable, Equatable, Codable {
    /// Where one node is drawn: its rectangle in pixels, and its column.
    public struct Box: Sendable, Equatable, Codable {
        /// Left, right, top and bottom edges, in pixels (y grows downwards).
        public var x0, x1, y0, y1: Double
        /// The length of the longest chain of links that reaches the node (0 without incoming
        /// links).
        public var column: Int
        /// The node's vertical middle, in pixels.
        public var centerY: Double { (y0 + y1) / 2 }
    }

    /// Where one link is drawn: a band from its source node's right edge to its target node's
    /// left edge.
    public struct Ribbon: Sendable, Equatable, Codable {
        /// Right edge of the source node and left edge of the target node.
        public var x0, x1: Double
        /// Centre of the ribbon where it leaves the source and where it enters the target.
        public var y0, y1: Double
        /// Ribbon thickness from the link's value (before the drawing's visible minimum).
        public var width: Double
    }

    /// The drawing's width, in pixels.
    public var width: Double
    /// The drawing's height, in pixels (at least 420).
    public var height: Double
    /// In the order of `SankeyData.nodes`.
    public var nodes: [Box]
    /// In the order of `SankeyData.links`.
    public var links: [Ribbon]

    /// Every node's width, in pixels.
    public static let nodeWidth = 20.0
    /// The vertical gap between the nodes of one column, in pixels.
    public static let nodePadding = 20.0
    /// Space left of the first column and right of the last one (for labels).
    static let margin = (left: 16.0, right: 150.0, top: 16.0, bottom: 16.0)
    /// The reference gives every link at least this value so that it stays visible.
    static let minimumLinkValue = 0.01

    /// Lays out `sankey`'s nodes and links; a link naming an unknown node gets an empty ribbon.
    public init(_ sankey: SankeyData) {
        let n = sankey.nodes.count
        let index = Dictionary(sankey.nodes.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let edges: [(s: Int, t: Int, value: Double)] = sankey.links.compactMap { link in
            guard let s = index[link.source], let t = index[link.target] else { return nil }
            return (s, t, max(link.value, Self.minimumLinkValue))
        }

        // Columns: longest chain from a source. Links run from earlier to later positions (or, through
        // the layers, up a layer at the same position), so visiting nodes by position, then layer,
        // visits every link's source before its target.
        var column = [Int](repeating: 0, count: n)
        let byPosition = (0..<n).sorted {
            (sankey.nodes[$0].position, sankey.nodes[$0].layer) < (sankey.nodes[$1].position, sankey.nodes[$1].layer)
        }
        var outgoing = [[Int]](repeating: [], count: n), incoming = [[Int]](repeating: [], count: n)
        for (e, edge) in edges.enumerated() {
            outgoing[edge.s].append(e)
            incoming[edge.t].append(e)
        }
        for u in byPosition {
            for e in outgoing[u] where edges[e].t != u { column[edges[e].t] = max(column[edges[e].t], column[u] + 1) }
        }
        let columnCount = (column.max() ?? 0) + 1
        var members = [[Int]](repeating: [], count: columnCount)
        for u in byPosition { members[column[u]].append(u) }

        func flow(_ list: [Int]) -> Double {
            var total = 0.0
            for e in list { total += edges[e].value }
            return total
        }
        let value: [Double] = (0..<n).map { u in max(flow(incoming[u]), flow(outgoing[u]), Self.minimumLinkValue) }
        let tallest = members.map(\.count).max() ?? 1
        width = Self.margin.left + Self.margin.right + Self.nodeWidth + Double(max(columnCount - 1, 0)) * 170
        height = max(420, Double(tallest) * 64 + Self.margin.top + Self.margin.bottom)
        let top = Self.margin.top, bottom = height - Self.margin.bottom
        // Pixels per unit of flow: the fullest column fills the height.
        var ky = Double.infinity
        for col in members where !col.isEmpty {
            var total = 0.0
            for u in col { total += value[u] }
            let room: Double = bottom - top - Double(col.count - 1) * Self.nodePadding
            ky = min(ky, room / total)
        }
        if !ky.isFinite { ky = 1 }

        var boxes = (0..<n).map { u -> Box in
            let x0 = Self.margin.left + Double(column[u]) * 170
            return Box(x0: x0, x1: x0 + Self.nodeWidth, y0: 0, y1: value[u] * ky, column: column[u])
        }
        // Initial packing: by position, centred in the column.
        for col in members where !col.isEmpty {
            var total = Double(col.count - 1) * Self.nodePadding
            for u in col { total += value[u] * ky }
            var y = top + (bottom - top - total) / 2
            for u in col {
                let h = boxes[u].y1
                boxes[u].y0 = y
                boxes[u].y1 = y + h
                y += h + Self.nodePadding
            }
        }
        // Relaxation: move each node towards the weighted centre of its neighbours.
        func relax(_ u: Int, towards neighbours: [(Int, Double)], alpha: Double) {
            let weight = neighbours.reduce(0) { $0 + $1.1 }
            guard weight > 0 else { return }
            let target = neighbours.reduce(0) { $0 + boxes[$1.0].centerY * $1.1 } / weight
            let dy = (target - boxes[u].centerY) * alpha
            boxes[u].y0 += dy
            boxes[u].y1 += dy
        }
        func resolveCollisions(_ col: [Int]) {
            let sorted = col.sorted { boxes[$0].y0 < boxes[$1].y0 }
            var y = top
            for u in sorted {
                let shift = max(0, y - boxes[u].y0)
                boxes[u].y0 += shift
                boxes[u].y1 += shift
                y = boxes[u].y1 + Self.nodePadding
            }
            y = bottom
            for u in sorted.reversed() {
                let shift = max(0, boxes[u].y1 - y)
                boxes[u].y0 -= shift
                boxes[u].y1 -= shift
                y = boxes[u].y0 - Self.nodePadding
            }
        }
        var alpha = 1.0
        for _ in 0..<6 {
            alpha *= 0.99
            for col in members.dropFirst() {
                for u in col { relax(u, towards: incoming[u].map { (edges[$0].s, edges[$0].value) }, alpha: alpha) }
                resolveCollisions(col)
            }
            for col in members.reversed().dropFirst() {
                for u in col { relax(u, towards: outgoing[u].map { (edges[$0].t, edges[$0].value) }, alpha: alpha) }
                resolveCollisions(col)
            }
        }

        // Ribbons: stacked inside each node, ordered by where their other end sits.
        var ribbons = edges.map { edge in
            Ribbon(x0: boxes[edge.s].x1, x1: boxes[edge.t].x0, y0: 0, y1: 0, width: edge.value * ky)
        }
        for u in 0..<n {
            var y = boxes[u].y0
            for e in outgoing[u].sorted(by: { boxes[edges[$0].t].centerY < boxes[edges[$1].t].centerY }) {
                ribbons[e].y0 = y + ribbons[e].width / 2
                y += ribbons[e].width
            }
            y = boxes[u].y0
            for e in incoming[u].sorted(by: { boxes[edges[$0].s].centerY < boxes[edges[$1].s].centerY }) {
                ribbons[e].y1 = y + ribbons[e].width / 2
                y += ribbons[e].width
            }
        }
        // Links naming unknown nodes (only possible in a hand-edited trace) get no ribbon.
        var linkRibbons: [Ribbon] = []
        var next = 0
        for link in sankey.links {
            if index[link.source] != nil && index[link.target] != nil {
                linkRibbons.append(ribbons[next])
                next += 1
            } else {
                linkRibbons.append(Ribbon(x0: 0, x1: 0, y0: 0, y1: 0, width: 0))
            }
        }
        nodes = boxes
        links = linkRibbons
    }
}
