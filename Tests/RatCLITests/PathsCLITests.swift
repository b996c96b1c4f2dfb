import Foundation
import Testing

/// `rat paths` end to end, against the reference's golden output.
@Suite struct PathsCLITests {
    let matrices = repositoryRoot.appendingPathComponent("Fixtures/paths/matrices")

    /// The golden case for the chat text's last layer, with the reference's defaults.
    func goldenCase() throws -> (tokens: URL, expected: [String: Any]) {
        let file = try JSONSerialization.jsonObject(
            with: Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/paths/cases.json"))) as! [String: Any]
        let c = (file["cases"] as! [[String: Any]]).first { $0["name"] as? String == "smollm2_t1_l29_mean_v0" }!
        let dir = try temporaryDirectory()
        let tokens = dir.appendingPathComponent("tokens.json")
        try JSONSerialization.data(withJSONObject: c["tokens"]!).write(to: tokens)
        return (tokens, c)
    }

    @Test func printsThePathsAsTheReference() throws {
        let (tokens, c) = try goldenCase()
        let bos = (c["bos_positions"] as! [Int]).map(String.init).joined(separator: ",")
        let run = try runRat(["paths", matrices.appendingPathComponent("smollm2_t1_l29_mean.npy").path,
                              "--tokens", tokens.path, "--bos-positions", bos, "--layer", "29"])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = ((c["expected"] as! [String: Any])["paths_text"] as! [String]).enumerated().map { "Beam \($0.offset + 1): \($0.element)" }
        #expect(run.stdout.split(separator: "\n").map(String.init) == expected)
    }

    @Test func jsonAndOutputDirectoryWriteTheTrace() throws {
        let (tokens, c) = try goldenCase()
        let bos = (c["bos_positions"] as! [Int]).map(String.init).joined(separator: ",")
        let out = try temporaryDirectory().appendingPathComponent("nested/out")
        let run = try runRat(["paths", matrices.appendingPathComponent("smollm2_t1_l29_mean.npy").path,
                              "--tokens", tokens.path, "--bos-positions", bos, "--layer", "29", "--json", "--output", out.path,
                              "--svg", out.deletingLastPathComponent().appendingPathComponent("figure.svg").path])
        #expect(run.status == 0, "\(run.stderr)")
        let printed = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json"))) as! [String: Any]
        let expected = c["expected"] as! [String: Any]
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("id=\"rat-data\""))
        let svg = try String(contentsOf: out.deletingLastPathComponent().appendingPathComponent("figure.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "class=\"node\"").count - 1 == (expected["sankey"] as! [String: Any])["nodes"].map { ($0 as! [Any]).count })
        #expect(run.stderr.contains("page: \(out.path)/index.html"))
        for trace in [printed, written] {
            #expect(trace["paths_text"] as? [String] == expected["paths_text"] as? [String])
            let beams = (trace["beams"] as! [[String: Any]]).map { $0["positions"] as! [Int] }
            #expect(beams == (expected["beams"] as! [[String: Any]]).map { $0["positions"] as! [Int] })
            let metadata = trace["metadata"] as! [String: Any]
            #expect(metadata["layer"] as? Int == 29)
            #expect(metadata["search_mode"] as? String == "beam")
        }
    }

    @Test func headsAreAggregatedAndExactSearchReports() throws {
        let run = try runRat(["paths", matrices.appendingPathComponent("smollm2_t1_l29_heads.npy").path,
                              "--agg-heads", "max", "--search", "exact", "--no-stop-at-bos", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let comparison = try #require(trace["search_comparison"] as? [String: Any])
        #expect(comparison["beam_found_optimum"] is Bool)
        #expect((trace["metadata"] as! [String: Any])["agg_heads"] as? String == "max")
        #expect(run.stderr.contains("exact search: beam search"))
        #expect((trace["tokens"] as! [String]).first == "[0]")
    }

    /// Writes a `.npy` with the given header fields and raw float32 payload.
    func npy(_ values: [Float], shape: String, descr: String = "<f4", fortran: Bool = false) throws -> String {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        let url = try temporaryDirectory().appendingPathComponent("m.npy")
        try d.write(to: url)
        return url.path
    }

    func json(_ object: Any) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent("f.json")
        try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]).write(to: url)
        return url.path
    }

    /// Every bad input: one clear line on stderr, a non-zero exit, never a crash.
    @Test func badInputsFailClearly() throws {
        let good = try npy([1, 0, 0.5, 0.5], shape: "(2, 2)")
        let cases: [([String], String)] = [
            (["paths", "/nonexistent/m.npy"], "cannot read"),
            (["paths", "/etc/hostname"], "not a NumPy .npy file"),
            (["paths", try npy([1, 0, 0.5, 0.5, 1, 1], shape: "(2, 3)")], "not square"),
            (["paths", try npy([1, 0, 0, 1], shape: "(4,)")], "expected a 2-D [seq][seq], 3-D [heads][seq][seq] or 4-D [layers][heads][seq][seq] array, got shape [4]"),
            (["paths", try npy([], shape: "(0, 0)")], "empty"),
            (["paths", try npy([1, 0, .nan, 1], shape: "(2, 2)")], "non-finite value nan at [1][0]"),
            (["paths", try npy([1, 0, -1, 1], shape: "(2, 2)")], "negative value"),
            (["paths", try npy([0.5, 0.5, 0.5, 0.5], shape: "(2, 2)")], "not causal"),
            (["paths", try npy([1, 0, 0.5, 0.5], shape: "(2, 2)", fortran: true)], "Fortran"),
            (["paths", try npy([1, 0, 0.5, 0.5], shape: "(2, 2)", descr: "<i4")], "unsupported dtype '<i4'"),
            (["paths", try npy([1, 0, 0.5], shape: "(2, 2)")], "truncated .npy data"),
            (["paths", good, "--top-beam", "0"], "--top-beam must be >= 1"),
            (["paths", good, "--top-k", "-1"], "--top-k must be >= 1"),
            (["paths", good, "--target-pos", "5"], "target position 5 out of range for sequence length 2"),
            (["paths", good, "--target-pos", "-3"], "target position -3 out of range"),
            (["paths", good, "--min-attn", "nan"], "--min-attn must be a finite number"),
            (["paths", good, "--length-norm", "geometric"], "unknown length normalization 'geometric'"),
            (["paths", good, "--length-norm", "pow:"], "invalid pow mode format"),
            (["paths", good, "--agg-heads", "none"], "--agg-heads none is not supported"),
            (["paths", good, "--search", "greedy"], "greedy"),
            (["paths", good, "--bos-positions", "0,x"], "--bos-positions takes comma-separated integers"),
            (["paths", good, "--bos-positions", "9"], "BOS position 9 out of range"),
            (["paths", good, "--mask", try json([1])], "--mask: '"),
            (["paths", good, "--mask", try json([1, 2])], "must hold only 0 and 1"),
            (["paths", good, "--mask", "/nonexistent.json"], "--mask: cannot read"),
            (["paths", good, "--tokens", try json(["a"])], "has 1 tokens, but the matrix has 2 positions"),
            (["paths", good, "--tokens", try json([1, 2])], "must hold a JSON array of strings"),
            (["paths", good, "--token-ids", try json(["a", "b"])], "must hold a JSON array of integers"),
            (["paths", good, "--output", "/proc/rat-cannot-write-here"], "cannot create output directory"),
        ]
        for (arguments, fragment) in cases {
            let run = try runRat(arguments)
            #expect(run.exitedNormally, "\(arguments) crashed")
            #expect(run.status != 0, "\(arguments) should fail")
            #expect(run.stderr.contains(fragment), "\(arguments): stderr was \(run.stderr)")
            #expect(run.stdout.isEmpty, "\(arguments) printed to stdout")
        }
    }
}
