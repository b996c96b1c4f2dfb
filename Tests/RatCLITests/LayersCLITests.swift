import Foundation
import Testing

/// `rat trace --across-layers` and `--verify` end to end, and their one-line errors.
@Suite struct LayersCLITests {
    static let fox = "The quick brown fox jumps over the lazy dog."

    @Test(.enabled(if: haveSmolLM2)) func acrossLayersWritesLayeredBeamsAndNodes() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let run = try runRat(["trace", "--model", smolLM2, "--text", Self.fox, "--layer", "12", "--across-layers", "--search", "exact",
                              "--verify", "--verify-baseline", "3", "--output", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json"))) as! [String: Any]
        let metadata = trace["metadata"] as! [String: Any]
        #expect(metadata["across_layers"] as? Bool == true && metadata["layer"] as? Int == 12)
        let beams = trace["beams"] as! [[String: Any]]
        #expect(beams.count == 5)
        for beam in beams {
            #expect(beam["layers"] as? [Int] == Array((0...13).reversed()))
            #expect((beam["positions"] as? [Int])?.count == 14 && (beam["edge_attns"] as? [Double])?.count == 13)
        }
        let nodes = (trace["sankey"] as! [String: Any])["nodes"] as! [[String: Any]]
        #expect(nodes.allSatisfy { ($0["id"] as? String) == "L\($0["layer"] as! Int)_P\($0["position"] as! Int)" })
        #expect(Set(nodes.map { $0["layer"] as! Int }) == Set(0...13))
        let faithfulness = try #require(trace["faithfulness"] as? [String: Any])
        #expect(faithfulness["predicted_token_id"] as? Int == 198)
        #expect((faithfulness["beams"] as? [[String: Any]])?.count == 5)
        #expect((faithfulness["baseline"] as? [String: Any])?["sets_per_path"] as? Int == 3)
        // Each path line carries its delta; the arrows name the layer of each move.
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 5 && lines.allSatisfy { $0.contains("Δlogprob ") && $0.contains(" (random ") })
        #expect(lines[0].hasPrefix("Beam 1: The -[L12]-> . (score: -0.1236)"))
        #expect(run.stderr.contains("verify: the model predicts \"\\n\" (id 198"))
    }

    @Test(.enabled(if: haveSmolLM2)) func badOptionsAreOneLine() throws {
        let cases: [([String], String)] = [
            (["--verify-baseline", "3"], "--verify-baseline and --verify-seed go with --verify"),
            (["--verify", "--verify-baseline", "-2"], "--verify-baseline must be >= 0"),
            (["--verify", "--verify-baseline", "300"], "--verify would re-run the model 1505 times"),
            (["--across-layers", "--weighting", "value-norm"], "--across-layers walks attention"),
            (["--across-layers", "--sink", "drop", "--sink-positions", "12"], "sink position 12 out of range for sequence length 10"),
            (["--across-layers", "--top-k", "300"], "--across-layers keeps at most 254 edges per node"),
        ]
        for (extra, message) in cases {
            let run = try runRat(["trace", "--model", smolLM2, "--text", Self.fox, "--output", try temporaryDirectory().path] + extra)
            #expect(run.exitedNormally && run.status != 0, "\(extra)")
            #expect(run.stderr.contains(message), "\(extra): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(extra): \(run.stderr)")
        }
    }
}
