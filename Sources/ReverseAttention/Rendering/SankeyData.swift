import Foundation

/// The Sankey diagram of a trace: one node per position any path visits, one link per distinct
/// edge, weighted by how much the paths that use it count.
public struct SankeyData: Sendable, Equatable, Codable {
    /// One node per position on a path (per layer and position through the layers), by position.
    public var nodes: [SankeyNode]
    /// One link per distinct edge of the paths, in order of first appearance.
    public var links: [SankeyLink]

    /// A diagram from its nodes and links, stored as given.
    public init(nodes: [SankeyNode], links: [SankeyLink]) {
        self.nodes = nodes
        self.links = links
    }

    /// Builds the diagram as the reference's `beams_to_sankey` does: nodes sorted by position,
    /// id `L{layer}_P{pos}`; each path weighs softmax(score_norm); a link from the earlier to the
    /// later position of each edge sums weight * attention over the paths using it; link order
    /// is first appearance. Paths through the layers (`BeamPath.layers`) have a node per layer
    /// and position, `L{l}_P{p}`, sorted by position then layer; their links run up one layer.
    public init(beams: [BeamPath], tokens: [String], layer: Int) {
        guard !beams.isEmpty else {
            self.init(nodes: [], links: [])
            return
        }
        struct Node: Hashable { let position: Int, layer: Int }
        func nodes(_ beam: BeamPath) -> [Node] {
            beam.positions.indices.map { Node(position: beam.positions[$0], layer: beam.layers?[$0] ?? layer) }
        }
        func nodeID(_ n: Node) -> String { "L\(n.layer)_P\(n.position)" }
        let all = Set(beams.flatMap(nodes)).sorted { ($0.position, $0.layer) < ($1.position, $1.layer) }
        let sankeyNodes = all.map { n in
            SankeyNode(id: nodeID(n), name: n.position < tokens.count ? tokens[n.position] : "[\(n.position)]", position: n.position, layer: n.layer)
        }
        let weights = Self.beamWeights(beams.map(\.scoreNorm))
        var links: [SankeyLink] = []
        var linkIndex: [String: Int] = [:]
        for (b, beam) in beams.enumerated() {
            let path = nodes(beam)
            for (i, attention) in beam.edgeAttentions.enumerated() {
                let source = nodeID(path[i + 1]), target = nodeID(path[i])
                let key = source + ">" + target
                if linkIndex[key] == nil {
                    linkIndex[key] = links.count
                    links.append(SankeyLink(source: source, target: target, value: 0, beamIndices: []))
                }
                let l = linkIndex[key]!
                links[l].value += weights[b] * attention
                if !links[l].beamIndices.contains(b) { links[l].beamIndices.append(b) }
            }
        }
        for l in links.indices { links[l].beamIndices.sort() }
        self.init(nodes: sankeyNodes, links: links)
    }

    /// Softmax of the scores (max subtracted; uniform if the sum underflows below 1e-10).
    static func beamWeights(_ scores: [Double]) -> [Double] {
        guard let top = scores.max() else { return [] }
        let e = scores.map { exp($0 - top) }
        let total = e.reduce(0, +)
        if total < 1e-10 { return Array(repeating: 1 / Double(scores.count), count: scores.count) }
        return e.map { $0 / total }
    }
}

/// A node of the Sankey diagram: a position that a path visits, in one layer.
public struct SankeyNode: Sendable, Equatable, Codable {
    /// `L{layer}_P{position}`, the name links refer to it by.
    public var id: String
    /// The token at this position.
    public var name: String
    /// The token position.
    public var position: Int
    /// The traced layer; through the layers, l for node (l, p): position p's residual stream
    /// entering layer l.
    public var layer: Int

    /// A node from its fields, stored as given.
    public init(id: String, name: String, position: Int, layer: Int) {
        self.id = id
        self.name = name
        self.position = position
        self.layer = layer
    }
}

/// A link of the Sankey diagram: one edge that paths use, and which paths use it.
public struct SankeyLink: Sendable, Equatable, Codable {
    /// Node id of the earlier position.
    public var source: String
    /// Node id of the later position.
    public var target: String
    /// The edge's attention times each using path's weight (the softmax of the paths' normalized
    /// scores), summed over those paths: the ribbon's thickness.
    public var value: Double
    /// Indices of the paths that use this edge, ascending.
    public var beamIndices: [Int]

    /// A link from its fields, stored as given.
    public init(source: String, target: String, value: Double, beamIndices: [Int]) {
        self.source = source
        self.target = target
        self.value = value
        self.beamIndices = beamIndices
    }

    enum CodingKeys: String, CodingKey {
        case source, target, value
        case beamIndices = "beam_indices"
    }
}
