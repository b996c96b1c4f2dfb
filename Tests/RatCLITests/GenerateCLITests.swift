import Foundation
import Testing

/// `rat generate` end to end, and its one-line errors.
@Suite struct GenerateCLITests {
    /// transformers' greedy generation writes " with a quick brown bear." after this prompt
    /// (Fixtures/generation/greedy.json); the text streams to stdout, the paths follow.
    @Test(.enabled(if: haveSmolLM2)) func generatesStreamsAndTraces() throws {
        let run = try runRat(["generate", "--model", smolLM2, "--prompt", "The quick brown fox", "--max-new-tokens", "6", "--show-paths"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix(" with a quick brown bear.\n"))
        #expect(run.stdout.contains("token 1 \"·with\", from position 3:") || run.stdout.contains("token 1 \" with\", from position 3:"), "\(run.stdout)")
        #expect(run.stderr.contains("generated 6 tokens (length)"))
        let json = try runRat(["generate", "--model", smolLM2, "--ids", "504,2365,6354,16438", "--max-new-tokens", "3", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        #expect(object["prompt_ids"] as? [Int] == [504, 2365, 6354, 16438])
        #expect((object["generated_ids"] as? [Int])?.count == 3 && (object["traces"] as? [Any])?.count == 3)
        #expect(object["finish_reason"] as? String == "length")
        #expect((object["timings"] as? [String: Double])?["load_s"] != nil)
    }

    /// Paths end at the given BOS id, also when the model writes that id itself (greedy writes
    /// " quick", 2365, as its third token here).
    @Test(.enabled(if: haveSmolLM2)) func pathsStopAtTheGivenBOS() throws {
        let run = try runRat(["generate", "--model", smolLM2, "--ids", "504,2365,6354,16438", "--max-new-tokens", "4",
                              "--bos-token-id", "2365", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect((object["generated_ids"] as! [Int]).contains(2365))
        var reached = 0
        for trace in object["traces"] as! [[String: Any]] {
            for beam in trace["beams"] as! [[String: Any]] {
                let positions = beam["positions"] as! [Int]
                if let i = positions.firstIndex(of: 1) { #expect(i == positions.count - 1, "\(positions)"); reached += 1 }
            }
        }
        #expect(reached > 0)
    }

    /// The same seed writes the same tokens whatever the thread count; another seed, other tokens.
    @Test(.enabled(if: haveSmolLM2)) func samplingIsReproducible() throws {
        func ids(_ extra: [String]) throws -> [Int] {
            let run = try runRat(["generate", "--model", smolLM2, "--prompt", "Once upon a time", "--max-new-tokens", "12",
                                  "--temperature", "1.2", "--top-p", "0.95", "--json"] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            return (try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any])["generated_ids"] as! [Int]
        }
        let a = try ids(["--seed", "7"]), b = try ids(["--seed", "7", "--threads", "1"]), c = try ids(["--seed", "8"])
        #expect(a == b && a.count == 12)
        #expect(a != c)
    }

    @Test func badInputsFailWithOneClearLine() throws {
        let cases: [([String], String)] = [
            (["generate", "--prompt", "hi", "--ids", "1"], "give the prompt as --prompt, --prompt-file, --ids or --messages (one of them)"),
            (["generate", "--prompt", "hi", "--max-new-tokens", "0"], "--max-new-tokens must be >= 1, got 0"),
            (["generate", "--prompt", "hi", "--max-new-tokens", "-3"], "--max-new-tokens must be >= 1, got -3"),
            (["generate", "--prompt", "hi", "--agg-heads", "none"], "--agg-heads none cannot be traced"),
            (["generate", "--prompt", "hi", "--top-p", "0"], "top-p must be in (0, 1]"),
            (["generate", "--prompt", "hi", "--temperature", "-1"], "temperature"),
            (["generate", "--model", "/nonexistent/m.gguf", "--prompt", "hi"], "no such file or folder"),
        ]
        for (arguments, message) in cases {
            let run = try runRat(arguments)
            #expect(run.status != 0 && run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count <= 3, "\(arguments): \(run.stderr)")
        }
        if haveSmolLM2 {
            let empty = try runRat(["generate", "--model", smolLM2, "--prompt", ""])
            #expect(empty.status == 1 && empty.stderr.contains("the prompt is empty"), "\(empty.stderr)")
            let long = try runRat(["generate", "--model", smolLM2, "--ids", "1,2", "--max-new-tokens", "9000"])
            #expect(long.status == 1 && long.stderr.contains("longer than the model's context of 8192 positions"), "\(long.stderr)")
        }
    }
}

/// `rat generate` stops: a stop string, and Ctrl-C keeping what was written.
@Suite struct GenerateStopTests {
    @Test(.enabled(if: haveSmolLM2)) func stopStringEndsTheTextThatHoldsIt() throws {
        // transformers' greedy continuation of this prompt is " with a quick brown bear. ..."
        let run = try runRat(["generate", "--model", smolLM2, "--prompt", "The quick brown fox", "--max-new-tokens", "30",
                              "--stop", "bear", "--stop", "never-written", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["text"] as? String == " with a quick brown bear")
        #expect(object["finish_reason"] as? String == "stopped")
        #expect((object["traces"] as? [Any])?.count == 5)
        let empty = try runRat(["generate", "--model", smolLM2, "--prompt", "a", "--stop", ""])
        #expect(empty.status != 0 && empty.stderr.contains("--stop needs a non-empty string"))
    }

    @Test(.enabled(if: haveSmolLM2)) func traceFromTheTokenItself() throws {
        let run = try runRat(["generate", "--model", smolLM2, "--ids", "504,2365,6354,16438", "--max-new-tokens", "3",
                              "--trace-from", "token", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let traces = try #require(object["traces"] as? [[String: Any]])
        #expect(traces.compactMap { ($0["metadata"] as? [String: Any])?["target_pos"] as? Int } == [4, 5, 6])
        let bad = try runRat(["generate", "--model", smolLM2, "--ids", "1", "--trace-from", "nowhere"])
        #expect(bad.status != 0 && bad.stderr.contains("trace-from"))
    }

    @Test(.enabled(if: haveSmolLM2)) func outputWritesAPageLinkingEveryWrittenToken() throws {
        let out = try temporaryDirectory().appendingPathComponent("gen")
        let run = try runRat(["generate", "--model", smolLM2, "--prompt", "<b>The quick brown fox", "--max-new-tokens", "4",
                              "--output", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(page.contains("&lt;") && !page.contains("<b>"))  // the prompt is text, not markup
        for k in 1...4 {
            #expect(page.contains("href=\"tokens/\(k)/index.html\""))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("tokens/\(k)/index.html").path))
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("tokens/\(k)/trace.json").path))
        }
        #expect(!page.contains("tokens/5/"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("generation.json"))) as? [String: Any]
        #expect((json?["generated_ids"] as? [Int])?.count == 4)
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"))
        // The explorer covers the whole text: the prompt and every written token, every layer.
        #expect(page.contains("href=\"explore/index.html\""))
        let promptCount = (json?["prompt_ids"] as? [Int])?.count ?? 0
        let explore = try #require(try ExploreCLITests().explorer(in: out.appendingPathComponent("explore/index.html")).explore)
        #expect(explore["seq_len"] as? Int == promptCount + 4)
        #expect(explore["layers"] as? [Int] == Array(0..<30))
        #expect(explore["token_ids"] as? [Int] == (json?["prompt_ids"] as? [Int] ?? []) + (json?["generated_ids"] as? [Int] ?? []))
        let counts = try #require(Data(base64Encoded: explore["counts"] as? String ?? ""))
        #expect(counts.count == 30 * 2 * (promptCount + 4))
        #expect(counts.prefix(promptCount + 4) == Data((0..<(promptCount + 4)).map { UInt8(min($0, 11)) }))  // 10 + the sink
        let bad = try runRat(["generate", "--model", smolLM2, "--prompt", "a", "--output", "/proc/rat-no"])
        #expect(bad.status != 0 && bad.stderr.contains("cannot create output directory"))
    }

    /// Tracing from the token itself at an inner layer: the extra step for the last token runs
    /// every layer (a cached pass must fill the whole cache).
    @Test(.enabled(if: haveSmolLM2)) func traceFromTokenAtAnInnerLayer() throws {
        let run = try runRat(["generate", "--model", smolLM2, "--prompt", "The quick brown fox", "--max-new-tokens", "3",
                              "--trace-from", "token", "--layer", "12", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let traces = json?["traces"] as? [[String: Any]] ?? []
        #expect(traces.count == 3)
        #expect(traces.allSatisfy { ($0["metadata"] as? [String: Any])?["layer"] as? Int == 12 })
    }

    @Test(.enabled(if: haveSmolLM2)) func ctrlCStopsCleanlyAndKeepsTheText() throws {
        let process = Process()
        process.executableURL = ratExecutable
        process.arguments = ["generate", "--model", smolLM2, "--prompt", "Once upon a time", "--max-new-tokens", "2000", "--ignore-eos"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        noteSanitizedProcess(process.processIdentifier, process.executableURL!.path, process.arguments ?? [])
        // Wait for the first written text, then interrupt.
        let first = out.fileHandleForReading.availableData
        #expect(!first.isEmpty)
        kill(process.processIdentifier, SIGINT)
        let rest = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(errors)")
        #expect(errors.contains("interrupted: stopping after this token"))
        #expect(errors.contains("tokens (stopped)"))
        let text = String(decoding: first + rest, as: UTF8.self)
        #expect(text.count > 1 && text.hasSuffix("\n"))
    }
}
