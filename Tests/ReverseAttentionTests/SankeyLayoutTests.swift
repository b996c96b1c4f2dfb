import Foundation
import ReverseAttention
import Testing

/// Geometric properties every layout must have, on every golden trace.
@Suite struct SankeyLayoutTests {
    @Test(arguments: pathCases.filter { $0.expected.beams.count > 0 })
    func layoutIsConsistent(_ c: PathCase) throws {
        let sankey = c.expected.sankey
        let layout = SankeyLayout(sankey)
        #expect(layout.nodes.count == sankey.nodes.count && layout.links.count == sankey.links.count)
        let index = Dictionary(uniqueKeysWithValues: sankey.nodes.enumerated().map { ($1.id, $0) })
        for box in layout.nodes {
            #expect(box.x0 >= 0 && box.x1 <= layout.width && box.x1 - box.x0 == SankeyLayout.nodeWidth)
            #expect(box.y0 >= -1e-9 && box.y1 <= layout.height + 1e-9 && box.y1 > box.y0, "\(c.name)")
        }
        // Nodes in one column never overlap and keep the padding between them.
        let columns = Dictionary(grouping: layout.nodes.indices, by: { layout.nodes[$0].column })
        for (_, members) in columns {
            let sorted = members.map { layout.nodes[$0] }.sorted { $0.y0 < $1.y0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                #expect(b.y0 - a.y1 >= SankeyLayout.nodePadding - 1e-6, "\(c.name)")
            }
        }
        for (i, link) in sankey.links.enumerated() {
            let s = layout.nodes[index[link.source]!], t = layout.nodes[index[link.target]!]
            let r = layout.links[i]
            // Links run left to right, from the earlier position's column to a later one,
            // and start and end inside their nodes.
            #expect(s.column < t.column)
            #expect(r.x0 == s.x1 && r.x1 == t.x0)
            #expect(r.y0 >= s.y0 - 1e-6 && r.y0 <= s.y1 + 1e-6)
            #expect(r.y1 >= t.y0 - 1e-6 && r.y1 <= t.y1 + 1e-6)
        }
        // The target (the only node without outgoing links) is in the last column.
        let targetID = "L\(c.expected.layer)_P\(c.expected.targetPos)"
        if let t = index[targetID], sankey.links.count > 0 {
            #expect(layout.nodes[t].column == layout.nodes.map(\.column).max())
        }
    }

    @Test func readableLabels() {
        #expect(TokenLabel.readable(" fox") == "·fox")
        #expect(TokenLabel.readable("\n") == "↵")
        #expect(TokenLabel.readable("\t") == "⇥")
        #expect(TokenLabel.readable("") == "∅")
        #expect(TokenLabel.readable("\u{FFFD}") == "‹byte›")
        #expect(TokenLabel.readable("\u{FFFD}\u{FFFD}") == "‹2 bytes›")
        #expect(TokenLabel.readable("dog") == "dog")
        #expect(TokenLabel.readable("\u{00A0}x") == "⍽x")
    }
}
