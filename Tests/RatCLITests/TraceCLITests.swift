import Foundation
import Testing

/// `rat trace` end to end, and its one-line errors.
@Suite struct TraceCLITests {
    @Test(.enabled(if: haveSmolLM2)) func tracesTextIntoPathsAndAPage() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let run = try runRat(["trace", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.",
                              "--output", out.path, "--search", "exact", "--threads", "1"])
        #expect(run.status == 0, "\(run.stderr)")
        // The reference prints this path for this text (SPEC section 3).
        #expect(run.stdout.contains("Beam 2: The -> \" dog\" -> . (score: -1.9643)"))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("index.html").path))
        let trace = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json"))) as! [String: Any]
        #expect((trace["metadata"] as! [String: Any])["layer"] as? Int == 29)
        #expect(trace["search_comparison"] != nil)
        #expect(run.stderr.contains("traced 10 tokens (target 9, layer 29, 5 paths)"))
    }

    /// `--ids` as the reference's `trace(input_ids)`: the ids of a text trace as the text does
    /// (same beams, scores and tokens), with no text in the metadata.
    @Test(.enabled(if: haveSmolLM2)) func tracesTokenIDs() throws {
        let dir = try temporaryDirectory()
        let byText = try runRat(["trace", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.",
                                 "--target-pos", "6", "--output", dir.appendingPathComponent("a").path, "--json"])
        #expect(byText.status == 0, "\(byText.stderr)")
        let textTrace = try JSONSerialization.jsonObject(with: Data(byText.stdout.utf8)) as! [String: Any]
        let tokenize = try runRat(["tokenize", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.", "--json"])
        let ids = (try JSONSerialization.jsonObject(with: Data(tokenize.stdout.utf8)) as! [String: Any])["ids"] as! [Int]
        let byIDs = try runRat(["trace", "--model", smolLM2, "--ids", ids.map(String.init).joined(separator: ","),
                                "--target-pos", "6", "--output", dir.appendingPathComponent("b").path, "--json"])
        #expect(byIDs.status == 0, "\(byIDs.stderr)")
        let idTrace = try JSONSerialization.jsonObject(with: Data(byIDs.stdout.utf8)) as! [String: Any]
        for key in ["beams", "tokens", "paths_text", "sankey"] {
            #expect(NSDictionary(dictionary: [key: idTrace[key] as Any]).isEqual(to: [key: textTrace[key] as Any]), "\(key) differs")
        }
        #expect((idTrace["tokens"] as? [String])?.count == ids.count)
        #expect(byIDs.stdout.contains("Beam") == false)  // --json prints trace.json only
    }

    @Test func badInputsFailWithOneClearLine() throws {
        let tiny = repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_tied_f32").path
        let empty = try temporaryDirectory().path
        let emptyFile = try temporaryDirectory().appendingPathComponent("empty.txt")
        try Data().write(to: emptyFile)
        var cases: [([String], String)] = [
            (["trace", "--model", "/nonexistent/model.gguf", "--text", "hi"], "no such file or folder"),
            (["trace", "--model", "nobody/no-such-model", "--text", "hi"], "not in the local HuggingFace cache"),
            (["trace", "--model", empty, "--text", "hi"], "no config.json in this folder"),
            (["trace", "--model", tiny, "--text", "hi"], "tokenizer.json"),
            (["trace", "--text", "hi", "--output", "/proc/rat-no"], "cannot create output directory"),
            (["trace", "--text-file", emptyFile.path], "the text is empty"),
            (["trace", "--text-file", "/nonexistent.txt"], "--text-file: cannot read"),
            (["trace"], "give the text as --text or --text-file, token ids as --ids, or a conversation as --messages"),
            (["trace", "--ids", "1,2", "--text", "a"], "(one of them)"),
            (["trace", "--ids", "1,,2"], "--ids takes comma-separated integers, e.g. 1,504,3458; got ''"),
            (["trace", "--ids", "1,x"], "--ids takes comma-separated integers, e.g. 1,504,3458; got 'x'"),
            (["trace", "--text", "a", "--device", "cuda"], "rat runs on the CPU"),
            (["trace", "--text", "a", "--top-k", "0"], "--top-k must be >= 1"),
        ]
        if haveSmolLM2 {
            cases += [
                (["trace", "--model", smolLM2, "--text", "Hello there", "--target-pos", "7", "--output", empty], "target position 7 out of range for sequence length 2"),
                (["trace", "--model", smolLM2, "--text", "Hello", "--layer", "30", "--output", empty], "layer 30 out of range: the model has 30 layers"),
                (["trace", "--model", smolLM2, "--ids", "1,49152", "--output", empty], "token id 49152 out of range: the vocabulary has 49152 tokens"),
            ]
        }
        for (arguments, fragment) in cases {
            let run = try runRat(arguments)
            #expect(run.exitedNormally && run.status != 0, "\(arguments): \(run.status)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
            let errorLines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errorLines.count == 1, "\(arguments): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }
}
