import Foundation
import ReverseAttention
import Testing

/// Beam search against the reference's own output: positions identical, scores within 1e-6
/// relative, and the derived paths_text and Sankey data equal.
@Suite struct BeamSearchParityTests {
    @Test func thereAreEnoughGoldenCases() {
        #expect(pathCases.count >= 200)
        #expect(pathCases.contains { $0.source.hasPrefix("smollm2") })
        #expect(pathCases.contains { $0.source == "random" && $0.tokens.count >= 300 })
    }

    @Test(arguments: pathCases)
    func beamSearchMatchesReference(_ c: PathCase) throws {
        let matrix = try c.loadMatrix()
        let options = try c.options()
        let result = try searchPaths(in: matrix, options: options, mode: .beam)
        let expected = c.expected
        #expect(result.target == expected.targetPos)
        try #require(result.paths.count == expected.beams.count, "\(c.name): number of paths")
        for (path, want) in zip(result.paths, expected.beams) {
            #expect(path.positions == want.positions, "\(c.name)")
            #expect(path.edgeAttentions.count == want.edgeAttentions.count)
            for (a, b) in zip(path.edgeAttentions, want.edgeAttentions) { #expect(relativeDifference(a, b) <= 1e-6) }
            #expect(relativeDifference(path.rawScore, want.scoreRaw) <= 1e-6, "\(c.name): raw \(path.rawScore) vs \(want.scoreRaw)")
            #expect(relativeDifference(path.normalizedScore, want.scoreNorm) <= 1e-6, "\(c.name): norm")
        }
    }

    @Test(arguments: pathCases)
    func traceResultMatchesReference(_ c: PathCase) throws {
        let options = try c.options()
        let search = try searchPaths(in: try c.loadMatrix(), options: options, mode: .beam)
        let trace = try TraceResult(search: search, tokens: c.tokens, tokenIDs: c.tokenIDs, layer: c.layer, options: options)
        let want = c.expected
        #expect(trace.seqLen == want.seqLen)
        #expect(trace.targetPos == want.targetPos)
        #expect(trace.layer == want.layer && trace.topBeam == want.topBeam && trace.topK == want.topK)
        #expect(trace.tokens == want.tokens)
        #expect(trace.pathsText == want.pathsText, "\(c.name)")
        #expect(trace.beams.map(\.tokens) == want.beams.map(\.tokens))
        #expect(trace.beams.map(\.tokenIDs) == want.beams.map(\.tokenIDs))
        #expect(trace.sankey.nodes == want.sankey.nodes)
        try #require(trace.sankey.links.count == want.sankey.links.count)
        for (link, w) in zip(trace.sankey.links, want.sankey.links) {
            #expect(link.source == w.source && link.target == w.target && link.beamIndices == w.beamIndices)
            #expect(relativeDifference(link.value, w.value) <= 1e-6)
        }
    }

    /// Our trace.json keeps every key of the reference's, with the same JSON types.
    @Test func traceJSONHasTheReferenceStructure() throws {
        let c = try #require(pathCases.first { $0.source.hasPrefix("smollm2") && $0.expected.beams.count > 1 })
        let options = try c.options()
        let trace = try TraceResult(
            search: try searchPaths(in: try c.loadMatrix(), options: options), tokens: c.tokens, tokenIDs: c.tokenIDs,
            layer: c.layer, options: options)
        let ours = try JSONSerialization.jsonObject(with: try trace.jsonData())
        // The reference's own trace.json for this case, straight from the fixture file.
        let file = try JSONSerialization.jsonObject(
            with: Data(contentsOf: fixturesDirectory.appendingPathComponent("paths/cases.json"))) as! [String: Any]
        let rawCase = (file["cases"] as! [[String: Any]]).first { $0["name"] as? String == c.name }!
        let reference = rawCase["expected"]!
        func shape(_ value: Any, path: String, into out: inout [String: String]) {
            switch value {
            case let d as [String: Any]:
                out[path] = "object"
                for (k, v) in d { shape(v, path: path + "." + k, into: &out) }
            case let a as [Any]:
                out[path] = "array"
                if let first = a.first { shape(first, path: path + "[]", into: &out) }
            case is String: out[path] = "string"
            case is NSNumber: out[path] = "number"
            default: out[path] = "\(type(of: value))"
            }
        }
        var ourShape: [String: String] = [:], referenceShape: [String: String] = [:]
        shape(ours, path: "$", into: &ourShape)
        shape(reference, path: "$", into: &referenceShape)
        for (key, kind) in referenceShape {
            #expect(ourShape[key] == kind, "trace.json field \(key)")
        }
        // And it reads back to the same result.
        #expect(try TraceResult.decode(jsonData: trace.jsonData()) == trace)
    }
}
