import Foundation
import Testing

/// The explorer data `rat trace` and `rat paths` put into the page, and `--explore`'s errors.
@Suite struct ExploreCLITests {
    /// The page's explorer block, decoded: layers, aggregations, cap, seq_len and size of the page.
    func explorer(in page: URL) throws -> (explore: [String: Any]?, bytes: Int) {
        let html = try String(contentsOf: page, encoding: .utf8)
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"rat-data\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = html[start.upperBound..<end.lowerBound].replacingOccurrences(of: "\\u003c", with: "<")
        let data = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return (data["explore"] as? [String: Any], html.utf8.count)
    }

    @Test(.enabled(if: haveSmolLM2)) func traceKeepsTheLayersAsked() throws {
        let dir = try temporaryDirectory()
        let text = "The quick brown fox jumps over the lazy dog."
        var printed: String?
        for (explore, layers) in [("all", Array(0..<30)), ("auto", Array(0..<30)), ("3,5-6,-2", [3, 5, 6, 28, 29]), ("none", [])] {
            let out = dir.appendingPathComponent(explore)
            let run = try runRat(["trace", "--model", smolLM2, "--text", text, "--output", out.path, "--explore", explore, "--top-k", "12"])
            #expect(run.status == 0, "\(run.stderr)")
            // The paths do not depend on how much the page keeps.
            if let first = printed { #expect(run.stdout == first, "\(explore)") } else { printed = run.stdout }
            let found = try explorer(in: out.appendingPathComponent("index.html")).explore
            if layers.isEmpty {
                #expect(found == nil)
                continue
            }
            let e = try #require(found, "\(explore)")
            #expect(e["layers"] as? [Int] == layers, "\(explore)")
            #expect(e["aggregations"] as? [String] == ["mean", "max"])
            // The cap is raised to --top-k, plus one entry for the sink the page can drop (position 0).
            #expect(e["top_k_max"] as? Int == 12 && e["cap"] as? Int == 13 && e["sink_positions"] as? [Int] == [0])
            #expect(Data(base64Encoded: e["sink_rests"] as? String ?? "")?.count == layers.count * 2 * 10 * 8)
            #expect(e["seq_len"] as? Int == 10)
            let counts = try #require(Data(base64Encoded: e["counts"] as? String ?? ""))
            #expect(counts.count == layers.count * 2 * 10)
            // Row p holds min(p, cap) candidates: every earlier position attends a little.
            #expect(counts.prefix(10) == Data([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
            #expect(Data(base64Encoded: e["weights"] as? String ?? "")?.count == layers.count * 2 * 10 * 13 * 4)
        }
    }

    /// The size bar: a 512-token text with every layer explored writes a page under 10 MB.
    @Test(.enabled(if: haveSmolLM2)) func a512TokenPageWithEveryLayerIsSmall() throws {
        let dir = try temporaryDirectory()
        let ids = (0..<512).map { String(($0 * 7919 + 13) % 49152) }.joined(separator: ",")
        let run = try runRat(["trace", "--model", smolLM2, "--ids", ids, "--output", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let (e, bytes) = try explorer(in: dir.appendingPathComponent("index.html"))
        #expect(e?["layers"] as? [Int] == Array(0..<30))
        #expect(bytes < 10_000_000, "\(bytes) bytes")
    }

    @Test func pathsExploresEveryLayerOfA4DFile() throws {
        // [layers 3][heads 2][seq 6][seq 6] of causal rows.
        var values: [Float] = []
        for l in 0..<3 {
            for h in 0..<2 {
                for q in 0..<6 {
                    let row = (0...q).map { Float(1 + ($0 * 5 + q * 3 + l + h * 7) % 9) }
                    let sum = row.reduce(0, +)
                    values += row.map { $0 / sum } + Array(repeating: 0, count: 5 - q)
                }
            }
        }
        let dir = try temporaryDirectory()
        let npy = dir.appendingPathComponent("layers.npy")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 6, 6), }"
        header += String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
        var file = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count % 256), UInt8(header.utf8.count / 256)])
        file += Data(header.utf8)
        values.withUnsafeBytes { file += Data($0) }
        try file.write(to: npy)
        let run = try runRat(["paths", npy.path, "--layer", "-2", "--agg-heads", "max", "--output", dir.appendingPathComponent("out").path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect((trace["metadata"] as? [String: Any])?["layer"] as? Int == 1)
        #expect((trace["metadata"] as? [String: Any])?["agg_heads"] as? String == "max")
        let e = try #require(try explorer(in: dir.appendingPathComponent("out/index.html")).explore)
        #expect(e["layers"] as? [Int] == [0, 1, 2])
        #expect(e["aggregations"] as? [String] == ["mean", "max"])
        let bad = try runRat(["paths", npy.path, "--layer", "3"])
        #expect(bad.status != 0 && bad.stderr.contains("--layer 3 out of range: the file holds 3 layers"), "\(bad.stderr)")
        let badExplore = try runRat(["paths", npy.path, "--explore", "7", "--output", dir.appendingPathComponent("x").path])
        #expect(badExplore.status != 0 && badExplore.stderr.contains("--explore: layer 7 out of range: the file holds 3 layers"), "\(badExplore.stderr)")
    }

    @Test func badExploreOptionsAreOneLine() throws {
        var cases: [([String], String)] = [
            (["trace", "--text", "a", "--explore", "some"], "--explore"),
            (["trace", "--text", "a", "--explore-cap", "0"], "--explore-cap must be 1...255, got 0"),
            (["trace", "--text", "a", "--explore-cap", "300"], "--explore-cap must be 1...255, got 300"),
        ]
        if haveSmolLM2 {
            let out = try temporaryDirectory().path
            cases.append((["trace", "--model", smolLM2, "--text", "Hello", "--explore", "0,30", "--output", out],
                          "--explore: layer 30 out of range: the model has 30 layers"))
            cases.append((["trace", "--model", smolLM2, "--text", "Hello", "--explore", "2-", "--output", out],
                          "--explore takes all, none, auto, or layers such as 0,5,10-12,-1; got '2-'"))
        }
        for (arguments, fragment) in cases {
            let run = try runRat(arguments)
            #expect(run.exitedNormally && run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(arguments): \(run.stderr)")
        }
    }

    /// `--sink`: trace.json reports it; paths never pass through a dropped sink; bad positions are one line.
    @Test(.enabled(if: haveSmolLM2)) func sinksInTraceAndPaths() throws {
        let dir = try temporaryDirectory()
        let run = try runRat(["trace", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.", "--sink", "drop",
                              "--json", "--output", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let metadata = trace["metadata"] as! [String: Any]
        #expect(metadata["sink"] as? String == "drop" && metadata["sink_positions"] as? [Int] == [0])
        #expect(((metadata["sink_mass"] as? NSNumber)?.doubleValue ?? 0) > 0.3)
        let beams = trace["beams"] as! [[String: Any]]
        #expect(!beams.isEmpty && beams.allSatisfy { !(($0["positions"] as? [Int]) ?? [0]).contains(0) })
        let plain = try runRat(["trace", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.", "--json", "--output", dir.path])
        #expect(!plain.stdout.contains("sink"))
        for (arguments, message) in [
            (["--sink-positions", "10"], "sink position 10 out of range for sequence length 10"),
            (["--sink-positions", "0,x"], "--sink-positions takes comma-separated positions, e.g. 0,1; got '0,x'"),
            (["--sink", "hide"], "--sink"),
        ] {
            let bad = try runRat(["trace", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.", "--output", dir.path] + arguments)
            #expect(bad.status != 0 && bad.stderr.contains(message), "\(arguments): \(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)
        }
    }

    @Test(.enabled(if: haveSmolLM2)) func attentionRolloutFile() throws {
        let out = try temporaryDirectory().appendingPathComponent("r.npy")
        let run = try runRat(["attention", "--model", smolLM2, "--text", "The quick brown fox", "--rollout", "--layer", "12", "--output", out.path])
        #expect(run.status == 0 && run.stderr.contains("shape [4, 4]"), "\(run.stderr)")
        let all = try runRat(["attention", "--model", smolLM2, "--text", "The quick brown fox", "--rollout", "--layer", "all", "--output", out.path])
        #expect(all.status == 0 && all.stderr.contains("shape [30, 4, 4]"), "\(all.stderr)")
        let bad = try runRat(["attention", "--model", smolLM2, "--text", "a", "--rollout", "--agg-heads", "max", "--output", out.path])
        #expect(bad.status != 0 && bad.stderr.contains("--rollout averages the heads"))
    }

    /// `--weighting value-norm`: the paths run over value-weighted attention (trace.json says so),
    /// the page has no explorer, and `rat attention` writes the matrix.
    @Test(.enabled(if: haveSmolLM2)) func valueWeightedPaths() throws {
        let dir = try temporaryDirectory()
        let text = "The quick brown fox jumps over the lazy dog."
        let run = try runRat(["trace", "--model", smolLM2, "--text", text, "--weighting", "value-norm", "--json", "--output", dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let metadata = trace["metadata"] as! [String: Any]
        #expect(metadata["weighting"] as? String == "value-norm" && metadata["agg_heads"] == nil)
        #expect(try explorer(in: dir.appendingPathComponent("index.html")).explore == nil)
        let plain = try runRat(["trace", "--model", smolLM2, "--text", text, "--json", "--output", dir.path, "--explore", "none"])
        #expect((trace["beams"] as? NSArray) != (try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as! [String: Any])["beams"] as? NSArray)
        let npy = dir.appendingPathComponent("n.npy")
        let matrix = try runRat(["attention", "--model", smolLM2, "--text", text, "--weighting", "value-norm", "--layer", "5", "--output", npy.path])
        #expect(matrix.status == 0 && matrix.stderr.contains("shape [10, 10]"), "\(matrix.stderr)")
        let bad = try runRat(["trace", "--model", smolLM2, "--text", text, "--weighting", "values", "--output", dir.path])
        #expect(bad.status != 0 && bad.stderr.contains("--weighting"))
    }
}
