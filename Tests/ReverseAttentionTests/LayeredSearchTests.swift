import Foundation
import ModelRuntime
@testable import ReverseAttention
import Testing

/// Paths through the layers (`--across-layers`): exact search against brute-force enumeration,
/// beam search never better than exact, and the sum over all paths equal to attention rollout,
/// on random layered graphs; then on the real SmolLM2.
struct LayeredSearchTests {
    /// Random causal row-stochastic matrices, one per layer (float32, as a pass makes them).
    static func randomMatrices(layers: Int, size: Int, seed: UInt64) throws -> [AttentionMatrix] {
        var generator = SeededGenerator(seed: seed)
        return try (0..<layers).map { _ in
            var values = [Float](repeating: 0, count: size * size)
            for i in 0..<size {
                let raw = (0...i).map { _ in exp(4 * generator.nextUnit()) }
                let total = raw.reduce(0, +)
                for j in 0...i { values[i * size + j] = Float(raw[j] / total) }
            }
            return try AttentionMatrix(size: size, values: values)
        }
    }

    static func graph(
        _ matrices: [AttentionMatrix], target: Int, topK: Int, minAttention: Double = 0, sink: SinkOptions? = nil
    ) throws -> LayeredGraph {
        let explorer = ExplorerData(
            matrices: matrices.map { [$0] }, layers: Array(matrices.indices), aggregations: [nil], cap: topK, mask: nil,
            bosPositions: [], tokenIDs: nil, sinks: sink?.positions)
        return try LayeredGraph(
            candidates: explorer.candidates, aggregation: nil, tracedLayer: matrices.count - 1, target: target, topK: topK,
            minAttention: minAttention, sink: sink)
    }

    /// Every path from (L + 1, target) to layer 0 with its raw score (summed top down).
    static func allPaths(_ graph: LayeredGraph) -> [(positions: [Int], raw: Double)] {
        var paths: [(positions: [Int], raw: Double)] = [([graph.target], 0)]
        for layer in stride(from: graph.tracedLayer, through: 0, by: -1) {
            paths = paths.flatMap { path in
                graph.edges[layer][path.positions.last!].map { (path.positions + [$0.position], path.raw + $0.logWeight) }
            }
        }
        return paths
    }

    @Test(arguments: 0..<12)
    func exactSearchIsTheBestOfAllPaths(seed: Int) throws {
        let size = 4 + seed % 4, layers = 1 + seed % 4
        let matrices = try Self.randomMatrices(layers: layers, size: size, seed: UInt64(seed))
        let graph = try Self.graph(matrices, target: size - 1, topK: 2 + seed % 3)
        let all = Self.allPaths(graph).sorted { $0.raw > $1.raw }
        for k in [1, 3, 7] {
            for norm in [LengthNormalization.averageLogProbability, .none, .power(-0.5)] {
                let exact = LayeredPathSearch.exact(graph, topBeam: k, normalization: norm)
                #expect(exact.count == min(k, all.count))
                for (found, expected) in zip(exact, all) {
                    #expect(abs(found.rawScore - expected.raw) < 1e-12)
                    #expect(found.normalizedScore == norm.normalize(found.rawScore, edges: layers))
                    #expect(found.layers == Array((0...layers).reversed()))
                }
                // Random float weights: no ties, so the paths themselves are the brute force's.
                #expect(exact.map(\.positions) == all.prefix(k).map(\.positions))
                let beam = LayeredPathSearch.beam(graph, topBeam: k, normalization: norm)
                #expect(beam.count == min(k, all.count))
                for (b, e) in zip(beam, exact) { #expect(b.rawScore <= e.rawScore + 1e-12) }
                // Every beam path is a path of the graph with the score of its edges.
                for path in beam { #expect(all.contains { $0.positions == path.positions && abs($0.raw - path.rawScore) < 1e-12 }) }
            }
        }
    }

    /// With every edge kept, the sum of path products from (L + 1, i) to (0, s) is R_L[i][s],
    /// the rollout Â_L ⋯ Â_0 (computed here in double precision from the same matrices), also
    /// after sinks are dropped or renormalized.
    @Test(arguments: [nil, SinkHandling.drop, .renorm])
    func sumOverAllPathsIsTheRollout(sink: SinkHandling?) throws {
        let size = 7, layers = 4
        let original = try Self.randomMatrices(layers: layers, size: size, seed: 99)
        let sinkOptions = sink.map { SinkOptions($0, positions: [0, 2]) }
        let matrices = try sinkOptions.map { s in try original.map { try $0.applyingSinks(s) } } ?? original
        var rollout = (0..<size).map { i in (0..<size).map { j in i == j ? 1.0 : 0 } }
        for m in matrices {
            let mixed = (0..<size).map { i in (0..<size).map { j in 0.5 * Double(m.values[i * size + j]) + (i == j ? 0.5 : 0) } }
            rollout = (0..<size).map { i in (0..<size).map { j in (0..<size).reduce(0.0) { $0 + mixed[i][$1] * rollout[$1][j] } } }
        }
        for target in [3, 6] {
            let graph = try Self.graph(original, target: target, topK: size, sink: sinkOptions)
            var flow = [Double](repeating: 0, count: size)
            flow[target] = 1
            for layer in stride(from: layers - 1, through: 0, by: -1) {
                var next = [Double](repeating: 0, count: size)
                for p in 0...target { for edge in graph.edges[layer][p] { next[edge.position] += flow[p] * edge.weight } }
                flow = next
            }
            for s in 0..<size { #expect(abs(flow[s] - rollout[target][s]) < 1e-6, "target \(target), source \(s)") }
        }
    }

    /// Renormalizing round weights to float32, which can make two of them equal: the graph then
    /// ranks them by position, as the graph of the renormalized matrix does (and one-layer paths).
    @Test func renormalizedTiesRankByPosition() throws {
        // Row 4 attends w at position 1 and the next float up at position 2, 0.4 at the sink
        // (position 0): w / rest and w⁺ / rest round to the same float32 for some w near 0.2.
        var w: Float = 0.2, tie: AttentionMatrix?
        for _ in 0..<1000 where tie == nil {
            w = w.nextUp
            let row: [Float] = [0.4, w, w.nextUp, 0.1, 1 - 0.4 - w - w.nextUp - 0.1]
            let rest = row.dropFirst().reduce(0.0) { $0 + Double($1) }
            guard Float(Double(w) / rest) == Float(Double(w.nextUp) / rest) else { continue }
            var values = [Float](repeating: 0, count: 25)
            for i in 0..<4 { for j in 0...i { values[i * 5 + j] = 1 / Float(i + 1) } }
            values.replaceSubrange(20..<25, with: row)
            tie = try AttentionMatrix(size: 5, values: values)
        }
        let matrix = try #require(tie)
        let renorm = SinkOptions(.renorm, positions: [0])
        let fromCandidates = try Self.graph([matrix, matrix], target: 4, topK: 3, sink: renorm)
        let fromMatrix = try Self.graph(Array(repeating: try matrix.applyingSinks(renorm), count: 2), target: 4, topK: 3)
        #expect(fromCandidates.edges == fromMatrix.edges)
        // The self edge, then the tied pair, lower position first.
        #expect(fromCandidates.edges[1][4].map(\.position) == [4, 1, 2])
    }

    @Test func nodesKeepTheirHeaviestEdgesWithTheSelfEdgeFirst() throws {
        let matrices = try Self.randomMatrices(layers: 2, size: 6, seed: 5)
        let graph = try Self.graph(matrices, target: 5, topK: 3, minAttention: 0.05)
        for layer in 0..<2 {
            for p in 0...5 {
                let edges = graph.edges[layer][p]
                #expect(edges.first?.position == p && edges.first!.weight >= 0.5)
                #expect(edges.count <= 3 && edges.allSatisfy { $0.weight >= 0.05 && $0.position <= p })
                #expect(zip(edges, edges.dropFirst()).allSatisfy { $0.weight >= $1.weight })
                let row = matrices[layer].values[(p * 6)..<(p * 6 + p)].map { 0.5 * Double($0) }.filter { $0 >= 0.05 }.sorted(by: >)
                #expect(edges.dropFirst().map(\.weight) == Array(row.prefix(2)))
            }
        }
        // A threshold above every edge leaves no path.
        let none = try Self.graph(matrices, target: 5, topK: 3, minAttention: 1.5)
        let result = searchLayeredPaths(in: none, topBeam: 5, normalization: .averageLogProbability, mode: .exact)
        #expect(result.paths.isEmpty && result.comparison?.exactPathCount == 0 && !result.warnings.isEmpty)
    }

    @Test func traceJSONCarriesLayersAndTheSankeyHasOneColumnPerLayer() throws {
        let matrices = try Self.randomMatrices(layers: 3, size: 5, seed: 11)
        let graph = try Self.graph(matrices, target: 4, topK: 3)
        let found = searchLayeredPaths(in: graph, topBeam: 4, normalization: .averageLogProbability, mode: .beam)
        let tokens = ["a", "b", "c", "d", "e"]
        let result = try TraceResult(
            search: found, tokens: tokens, layer: 2, options: PathSearchOptions(targetPosition: 4, topBeam: 4, topK: 3, stopAtBOS: false))
        let decoded = try TraceResult.decode(jsonData: result.jsonData())
        #expect(decoded.beams.map(\.layers) == result.beams.map(\.layers))
        #expect(result.beams.allSatisfy { $0.layers == [3, 2, 1, 0] && $0.positions.count == 4 && $0.edgeAttentions.count == 3 })
        for node in result.sankey.nodes { #expect(node.id == "L\(node.layer)_P\(node.position)") }
        let layout = SankeyLayout(result.sankey)
        for (node, box) in zip(result.sankey.nodes, layout.nodes) { #expect(box.column == node.layer) }
        // Links run up one layer, from the earlier (or same) position.
        let byID = Dictionary(uniqueKeysWithValues: result.sankey.nodes.map { ($0.id, $0) })
        for link in result.sankey.links {
            let (s, t) = (byID[link.source]!, byID[link.target]!)
            #expect(t.layer == s.layer + 1 && s.position <= t.position)
        }
    }
}

/// Paths through the layers and `--verify` on the real SmolLM2.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct LayeredTraceTests {
    static let tracer = try! ReverseAttentionTracer(loading: smolLM2Path)
    static let fox = [504, 2365, 6354, 16438, 27003, 690, 260, 23790, 2767, 30]

    /// A pass's candidates and diagonals make the same graph as the whole matrices: with every
    /// edge kept, the flow into each source is the model's own attention rollout.
    @Test(arguments: [0, 7, 19])
    func sumOverAllPathsIsTheModelsRollout(layer: Int) throws {
        let model = Self.tracer.model
        let pass = try model.run(Self.fox, plan: PassPlan(throughLayer: layer, candidates: CandidatePlan(layers: Array(0...layer), cap: 10)))
        let graph = try LayeredGraph(
            candidates: pass.candidates!, aggregation: .mean, tracedLayer: layer, target: 9, topK: 10, minAttention: 0, sink: nil)
        var flow = [Double](repeating: 0, count: 10)
        flow[9] = 1
        for l in stride(from: layer, through: 0, by: -1) {
            var next = [Double](repeating: 0, count: 10)
            for p in 0..<10 { for edge in graph.edges[l][p] { next[edge.position] += flow[p] * edge.weight } }
            flow = next
        }
        let rollout = try model.attentionRollout(ids: Self.fox, layers: [layer])[0].values
        for s in 0..<10 { #expect(abs(flow[s] - Double(rollout[90 + s])) < 1e-5, "layer \(layer), source \(s)") }
    }

    /// The explorer's pass (the whole text, more layers, a larger cap) finds the same paths.
    @Test func exploringDoesNotChangeThePaths() throws {
        let ids = Self.fox + [198, 504]
        for mode in SearchMode.allCases {
            let plain = try Self.tracer.trace(inputIDs: ids, targetPos: 9, layer: 6, search: mode, acrossLayers: true).result
            let explored = try Self.tracer.trace(inputIDs: ids, targetPos: 9, layer: 6, search: mode, explore: .all, acrossLayers: true).result
            // The same paths; the scores agree to float32 rounding (a 12-row pass multiplies in other blocks).
            #expect(plain.beams.map(\.positions) == explored.beams.map(\.positions) && plain.beams.count == 5)
            for (a, b) in zip(plain.beams, explored.beams) { #expect(abs(a.scoreRaw - b.scoreRaw) < 1e-5 && a.layers == b.layers) }
            #expect(explored.explorer?.candidates.layers == Array(0..<30))
            #expect(plain.settings?.acrossLayers == true && plain.settings?.stopAtBOS == false)
        }
    }

    /// `--verify` knocks out each path's edges: the fox sentence's best path at layer 12 is
    /// `The -> .`, whose cut transformers measures in Fixtures/runtime/knockout.json.
    @Test func verifyMeasuresThePathsAsTransformersDoes() throws {
        let (result, _) = try Self.tracer.trace(inputIDs: Self.fox, layer: 12, topBeam: 3, verify: VerifyOptions(baselineSets: 4, seed: 3))
        let f = try #require(result.faithfulness)
        #expect(result.beams[0].positions == [9, 0])
        #expect(f.predictedTokenID == 198 && abs(f.baseLogprob - -0.7676269194191243) < 1e-3)
        #expect(f.beams[0].knockedOut == [AttentionKnockout(layer: 12, query: 9, key: 0)])
        #expect(abs(f.beams[0].deltaLogprob - -0.2684373649581486) < 1e-3)
        #expect(f.beams.count == 3 && f.beams.allSatisfy { $0.baselineMean != nil && $0.baselineSD! >= 0 })
        #expect(f.baseline?.setsPerPath == 4 && f.baseline?.seed == 3)
        // The same seed draws the same sets; trace.json round-trips.
        let again = try Self.tracer.trace(inputIDs: Self.fox, layer: 12, topBeam: 3, verify: VerifyOptions(baselineSets: 4, seed: 3)).result
        #expect(again.faithfulness == f)
        #expect(try TraceResult.decode(jsonData: result.jsonData()).faithfulness == f)
        // Too many re-runs is one clear error.
        #expect(throws: TraceError.self) {
            try Self.tracer.trace(inputIDs: Self.fox, layer: 12, topBeam: 5, verify: VerifyOptions(baselineSets: 300))
        }
    }

    /// Through the layers, each edge that moves to another position is cut in its own layer.
    @Test func verifyAcrossLayersCutsEachMoveInItsLayer() throws {
        let (result, _) = try Self.tracer.trace(inputIDs: Self.fox, layer: 12, topBeam: 2, acrossLayers: true, verify: VerifyOptions())
        let f = try #require(result.faithfulness)
        #expect(f.beams.contains { !$0.knockedOut.isEmpty })
        for (beam, measured) in zip(result.beams, f.beams) {
            let layers = try #require(beam.layers)
            var expected: [AttentionKnockout] = []
            for k in 0..<(beam.positions.count - 1) where beam.positions[k] != beam.positions[k + 1] {
                expected.append(AttentionKnockout(layer: layers[k + 1], query: beam.positions[k], key: beam.positions[k + 1]))
            }
            #expect(measured.knockedOut == expected)
            let direct = try Self.tracer.model.knockoutEffects(ids: Self.fox, sets: [expected])
            #expect(measured.deltaLogprob == direct.deltas[0])
        }
    }

    @Test func badOptionsAreOneClearError() throws {
        let cases: [(String, () throws -> Void)] = [
            ("value-norm", { _ = try Self.tracer.trace(inputIDs: Self.fox, weighting: .valueNorm, acrossLayers: true) }),
            ("sink position", { _ = try Self.tracer.trace(inputIDs: Self.fox, sink: SinkOptions(.drop, positions: [10]), acrossLayers: true) }),
            ("verify-baseline", { _ = try Self.tracer.trace(inputIDs: Self.fox, verify: VerifyOptions(baselineSets: -1)) }),
            ("top-k", { _ = try Self.tracer.trace(inputIDs: Self.fox, topK: 255, acrossLayers: true) }),
        ]
        for (name, run) in cases {
            do {
                try run()
                Issue.record("\(name): no error")
            } catch let error as TraceError {
                #expect(!error.message.contains("\n") && !error.message.isEmpty, "\(name)")
            }
        }
    }
}
