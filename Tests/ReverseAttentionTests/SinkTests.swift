import Foundation
import ReverseAttention
import Testing

/// `--sink drop|renorm` against the reference's beam search on the transformed matrix
/// (tools/paths/make_sink_fixtures.py), and the transform's own properties.
@Suite struct SinkTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        let name, matrix, sink, length_norm: String
        let sink_positions, bos_positions: [Int]
        let target_pos, top_beam, top_k: Int
        let min_attn, sink_mass: Double
        let stop_at_bos: Bool
        let expected: TraceResult
        var testDescription: String { name }
    }
    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = fixturesDirectory.appendingPathComponent("paths/sink_cases.json")
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)))?.cases ?? []
    }()

    @Test func thereAreCases() { #expect(Self.cases.count >= 40) }

    @Test(arguments: cases)
    func matchesTheReferenceOnTheTransformedMatrix(_ c: Case) throws {
        let array = try NumpyArray(contentsOf: fixturesDirectory.appendingPathComponent("paths/\(c.matrix)"))
        let matrix = try AttentionMatrix(size: array.shape[0], values: array.values)
        let options = PathSearchOptions(
            targetPosition: c.target_pos, topBeam: c.top_beam, topK: c.top_k, minAttention: c.min_attn,
            lengthNormalization: try LengthNormalization(parsing: c.length_norm), stopAtBOS: c.stop_at_bos,
            bosPositions: c.bos_positions, sink: SinkOptions(try #require(SinkHandling(rawValue: c.sink)), positions: c.sink_positions))
        let found = try searchPaths(in: matrix, options: options)
        #expect(found.paths.map(\.positions) == c.expected.beams.map(\.positions))
        #expect(found.paths.map(\.edgeAttentions) == c.expected.beams.map(\.edgeAttentions))
        for (got, want) in zip(found.paths, c.expected.beams) {
            #expect(relativeDifference(got.normalizedScore, want.scoreNorm) <= 1e-12)
        }
        #expect(found.sinkMass == c.sink_mass)
        // trace.json reports the sink settings and mass.
        let trace = try TraceResult(search: found, tokens: c.expected.tokens, layer: 0, options: options)
        let json = try JSONSerialization.jsonObject(with: trace.jsonData()) as! [String: Any]
        let metadata = json["metadata"] as! [String: Any]
        #expect(metadata["sink"] as? String == c.sink && metadata["sink_positions"] as? [Int] == c.sink_positions)
        // (Foundation's JSON on Linux may not round-trip a double's last bit.)
        #expect(relativeDifference((metadata["sink_mass"] as? NSNumber)?.doubleValue ?? .nan, c.sink_mass) <= 1e-15)
    }

    @Test func transformsAsDefined() throws {
        var rng = SplitMix64(state: 99)
        let m = try randomCausalMatrix(size: 12, using: &rng)
        let dropped = try m.applyingSinks(SinkOptions(.drop, positions: [0, 4]))
        let renormed = try m.applyingSinks(SinkOptions(.renorm, positions: [0, 4]))
        #expect(try m.applyingSinks(SinkOptions(.keep, positions: [0])) == m)
        for r in 0..<12 {
            #expect(dropped[r, 0] == 0 && renormed[r, 0] == 0)
            if r >= 4 { #expect(dropped[r, 4] == 0 && renormed[r, 4] == 0) }
            for j in 0...r where j != 0 && j != 4 { #expect(dropped[r, j] == m[r, j]) }
            let sum = (0...r).reduce(0.0) { $0 + Double(renormed[r, $1]) }
            let rest = (0...r).filter { $0 != 0 && $0 != 4 }.reduce(0.0) { $0 + Double(m[r, $1]) }
            #expect(rest == 0 ? sum == 0 : abs(sum - 1) < 1e-6, "row \(r)")
        }
        // The first row attends only to the sink: nothing is left, and it stays zero.
        #expect((0..<12).allSatisfy { renormed[0, $0] == 0 })
        #expect(m.sinkMass(row: 0, positions: [0]) == 1)
        // Dropped sinks are never on a path (but may be the target).
        let found = try searchPaths(in: m, options: PathSearchOptions(topBeam: 8, topK: 4, stopAtBOS: false, sink: SinkOptions(.drop, positions: [0, 4])))
        #expect(!found.paths.isEmpty && found.paths.allSatisfy { !$0.positions.dropFirst().contains(0) && !$0.positions.dropFirst().contains(4) })
    }

    @Test func sinkPositionsOutOfRangeAreOneLine() throws {
        let m = try AttentionMatrix(rows: [[1, 0], [0.5, 0.5]])
        #expect(throws: TraceError("sink position 2 out of range for sequence length 2")) {
            try searchPaths(in: m, options: PathSearchOptions(sink: SinkOptions(.drop, positions: [2])))
        }
        #expect(throws: TraceError("sink position -1 out of range for sequence length 2")) {
            try searchPaths(in: m, options: PathSearchOptions(sink: SinkOptions(.renorm, positions: [-1])))
        }
    }
}
