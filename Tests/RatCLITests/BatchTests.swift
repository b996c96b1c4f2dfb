import Foundation
import Testing

/// `rat batch`: records equal `rat trace --json`; bad lines become error records; a run killed
/// at random points and resumed ends with every id once and the same bytes; shards and --merge
/// give back the unsharded run.
@Suite struct BatchTests {
    static let fox = "The quick brown fox jumps over the lazy dog."
    static let conversation = #"[{"role": "user", "content": "What is the capital of France?"}]"#

    /// Input lines, each with the `rat trace` flags that must give the same trace.
    static let cases: [(line: String, flags: [String])] = [
        (#"{"id": "fox", "text": "\#(fox)"}"#, ["--text", fox]),
        (#"{"id": 2, "text": "Paris is the capital of France.", "layer": 10, "top_k": 3, "search": "exact", "length_norm": "pow:0.7"}"#,
         ["--text", "Paris is the capital of France.", "--layer", "10", "--top-k", "3", "--search", "exact", "--length-norm", "pow:0.7"]),
        (#"{"id": "ids", "ids": [1, 504, 3458, 2365], "target_pos": 2, "stop_at_bos": false}"#,
         ["--ids", "1,504,3458,2365", "--target-pos", "2", "--no-stop-at-bos"]),
        (#"{"id": "chat", "messages": \#(conversation), "agg_heads": "max"}"#, ["--messages", "MESSAGES", "--agg-heads", "max"]),
        (#"{"id": "layers", "text": "\#(fox)", "layer": 6, "across_layers": true, "verify": true, "verify_baseline": 2, "verify_seed": 3}"#,
         ["--text", fox, "--layer", "6", "--across-layers", "--verify", "--verify-baseline", "2", "--verify-seed", "3"]),
        (#"{"id": "sink", "text": "\#(fox)", "sink": "renorm", "weighting": "value-norm", "min_attn": 0.05}"#,
         ["--text", fox, "--sink", "renorm", "--weighting", "value-norm", "--min-attn", "0.05"]),
    ]

    static func records(_ path: URL) throws -> [[String: Any]] {
        try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test(.enabled(if: haveSmolLM2)) func recordsEqualTraceJSONAndBadLinesAreErrorRecords() throws {
        let dir = try temporaryDirectory()
        let messages = dir.appendingPathComponent("chat.json")
        try Self.conversation.write(to: messages, atomically: true, encoding: .utf8)
        let bad = [
            "not json",
            #"{"id": "zero", "text": "hello", "top_k": 0}"#,
            #"{"text": "no id"}"#,
            #"{"id": "typo", "text": "hello", "topk": 3}"#,
            #"{"id": "range", "ids": [1, 99999999]}"#,
            #"{"id": 1.5, "text": "hello"}"#,
            #"{"id": "layer", "text": "hello", "layer": 99}"#,
        ]
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        // Blank lines are not records (they keep their line numbers).
        try (Self.cases.map(\.line) + [""] + bad).joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        let run = try runRat(["batch", input.path, "--output", output.path, "--model", smolLM2, "--top-beam", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("batch: traced 6 lines, 7 errors"), "\(run.stderr)")
        let records = try Self.records(output)
        try #require(records.count == Self.cases.count + bad.count)
        for (i, c) in Self.cases.enumerated() {
            let flags = c.flags.map { $0 == "MESSAGES" ? messages.path : $0 }
            // No explorer, as in a batch: capturing every layer for the page changes a few
            // attention weights in their last float32 bits on very short inputs.
            let trace = try runRat(["trace", "--model", smolLM2, "--json", "--output", dir.appendingPathComponent("t\(i)").path,
                                    "--top-beam", "4", "--explore", "none"] + flags)
            #expect(trace.status == 0, "\(trace.stderr)")
            let expected = try JSONSerialization.jsonObject(with: Data(trace.stdout.utf8)) as! NSDictionary
            let record = records[i]
            #expect(Set(record.keys).isSubset(of: ["id", "trace", "warnings"]), "\(c.line)")
            #expect((record["trace"] as? NSDictionary)?.isEqual(to: expected as! [AnyHashable: Any]) == true, "\(c.line)")
        }
        #expect(records[1]["id"] as? Int == 2)
        // The rat trace warning is kept with the record (the text has no BOS token to stop at).
        #expect((records[5]["warnings"] as? [String])?.first?.contains("no BOS token") == true)
        let errors = records.suffix(bad.count).map { ($0["id"] as? String ?? ($0["line"] as? Int).map { "line \($0)" } ?? "?", $0["error"] as? String ?? "") }
        let expectedErrors: [(String, String)] = [
            ("line 8", "line 8 is not valid JSON"), ("zero", "top_k must be in 1...1000, got 0"), ("line 10", "line 10 has no id"),
            ("typo", "unknown field 'topk'"), ("range", "99999999"), ("line 13", "id must be a string or an integer, got a number"),
            ("layer", "layer"),
        ]
        for (got, want) in zip(errors, expectedErrors) {
            #expect(got.0 == want.0 && got.1.contains(want.1), "\(got) vs \(want)")
        }
    }

    /// A dozen lines, each traced at every layer's worth of work so that the run takes a few seconds.
    static func dozen() -> String {
        (0..<12).map { i in
            #"{"id": "t\#(i)", "text": "Line \#(i): \#(fox) It was \#(i * 7) degrees outside that day.", "search": "exact", "layer": \#(i % 30)}"#
        }.joined(separator: "\n") + "\n"
    }

    @Test(.enabled(if: haveSmolLM2)) func killedAndResumedRunsEndWithEveryIDOnceAndTheSameBytes() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.jsonl")
        try Self.dozen().write(to: input, atomically: true, encoding: .utf8)
        let whole = dir.appendingPathComponent("whole.jsonl"), resumed = dir.appendingPathComponent("resumed.jsonl")
        #expect(try runRat(["batch", input.path, "--output", whole.path, "--model", smolLM2]).status == 0)
        let expected = try Data(contentsOf: whole)

        // Each run is killed once the output has grown by 1 to 3 more records (at a random
        // moment of the next line's work), until the lines run out.
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        func recordCount() -> Int {
            ((try? Data(contentsOf: resumed)) ?? Data()).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        }
        for _ in 0..<4 {
            let target = recordCount() + Int.random(in: 1...3, using: &generator)
            guard target < 12 else { break }
            let process = Process()
            process.executableURL = ratExecutable
            process.arguments = ["batch", input.path, "--output", resumed.path, "--model", smolLM2]
            process.standardError = FileHandle.nullDevice
            try process.run()
            noteSanitizedProcess(process.processIdentifier, process.executableURL!.path, process.arguments ?? [])
            while process.isRunning && recordCount() < target { usleep(2_000) }
            usleep(UInt32.random(in: 0...50_000, using: &generator))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        // A record cut in half, as a kill in the middle of a write leaves it.
        let partial = try FileHandle(forWritingTo: resumed)
        try partial.seekToEnd()
        try partial.write(contentsOf: Data(#"{"id":"t11","trace":{"beams":[{"edge_a"#.utf8))
        try partial.close()
        let last = try runRat(["batch", input.path, "--output", resumed.path, "--model", smolLM2])
        #expect(last.status == 0, "\(last.stderr)")
        #expect(last.stderr.contains("discarded a partial last line"), "\(last.stderr)")
        #expect(kills >= 2, "only \(kills) runs were killed: the kills came too late to test anything")
        #expect(try Data(contentsOf: resumed) == expected, "the resumed output differs from an uninterrupted run")
        // Once complete, a rerun does nothing; --overwrite starts over and gives the same bytes.
        let again = try runRat(["batch", input.path, "--output", resumed.path, "--model", smolLM2])
        #expect(again.status == 0 && again.stderr.contains("nothing to do: all 12 lines"), "\(again.stderr)")
        #expect(try runRat(["batch", input.path, "--output", resumed.path, "--model", smolLM2, "--overwrite"]).status == 0)
        #expect(try Data(contentsOf: resumed) == expected)
    }

    @Test(.enabled(if: haveSmolLM2)) func shardsMergeBackToTheUnshardedRun() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.jsonl")
        try (Self.dozen() + "\nnot json\n").write(to: input, atomically: true, encoding: .utf8)
        let whole = dir.appendingPathComponent("whole.jsonl")
        #expect(try runRat(["batch", input.path, "--output", whole.path, "--model", smolLM2]).status == 0)
        var shards: [String] = []
        for i in 0..<3 {
            let out = dir.appendingPathComponent("shard.\(i).jsonl").path
            // Shard 1 from Slurm's variables, as an array task 5 of --array=4-6 sees them.
            let run = i == 1
                ? try runRat(["batch", input.path, "--output", out, "--model", smolLM2, "--shard", "auto"],
                             environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"])
                : try runRat(["batch", input.path, "--output", out, "--model", smolLM2, "--shard", "\(i)/3"])
            #expect(run.status == 0, "\(run.stderr)")
            let ids = try Self.records(URL(fileURLWithPath: out)).map { $0["id"] as? String ?? "line \($0["line"] as? Int ?? -1)" }
            let expected = (0..<13).filter { $0 % 3 == i }.map { $0 == 12 ? "line 14" : "t\($0)" }
            #expect(ids == expected, "shard \(i)")
            shards.append(out)
        }
        let merged = dir.appendingPathComponent("merged.jsonl")
        let run = try runRat(["batch", "--merge", input.path] + shards.reversed() + ["--output", merged.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: merged) == Data(contentsOf: whole))

        // A shard missing: the merge says which lines have no record and fails; a shard given
        // twice: its records are kept once and reported.
        let incomplete = try runRat(["batch", "--merge", input.path, shards[0], shards[2], shards[2], "--output", merged.path])
        #expect(incomplete.status != 0)
        #expect(incomplete.stderr.contains("merge incomplete: 4 input lines have no record: id \"t1\", id \"t4\", id \"t7\", id \"t10\""), "\(incomplete.stderr)")
        #expect(incomplete.stderr.contains("4 records appear more than once, identically (kept once): id \"t2\", id \"t5\", id \"t8\", id \"t11\""), "\(incomplete.stderr)")
    }

    @Test(.enabled(if: haveSmolLM2)) func generateRecordsEqualRatGenerate() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        try #"""
            {"id": "a", "text": "The capital of France is", "max_new_tokens": 4, "layer": 20}
            {"id": "b", "text": "Once upon a time", "temperature": 0.8, "seed": 7, "top_p": 0.9}
            """#.write(to: input, atomically: true, encoding: .utf8)
        let run = try runRat(["batch", input.path, "--output", output.path, "--model", smolLM2, "--generate", "--max-new-tokens", "3"])
        #expect(run.status == 0, "\(run.stderr)")
        let records = try Self.records(output)
        let flags = [["--prompt", "The capital of France is", "--max-new-tokens", "4", "--layer", "20"],
                     ["--prompt", "Once upon a time", "--max-new-tokens", "3", "--temperature", "0.8", "--seed", "7", "--top-p", "0.9"]]
        for (record, flags) in zip(records, flags) {
            let generated = try runRat(["generate", "--model", smolLM2, "--json"] + flags)
            #expect(generated.status == 0, "\(generated.stderr)")
            var expected = try JSONSerialization.jsonObject(with: Data(generated.stdout.utf8)) as! [String: Any]
            var got = try #require(record["generation"] as? [String: Any])
            // Timings differ from run to run.
            expected["timings"] = nil
            got["timings"] = nil
            #expect((got as NSDictionary).isEqual(to: expected), "\(flags)")
        }
    }

    @Test func badInvocationsAreOneLineErrors() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        try "{\"id\": \"a\", \"text\": \"x\"}\n{\"id\": \"b\", \"text\": \"y\"}\n{\"id\": \"a\", \"text\": \"z\"}\n".write(to: input, atomically: true, encoding: .utf8)
        let notRecords = dir.appendingPathComponent("notes.jsonl")
        try "hello\n".write(to: notRecords, atomically: true, encoding: .utf8)
        let unique = dir.appendingPathComponent("unique.jsonl")
        try "{\"id\": \"a\", \"text\": \"x\"}\n".write(to: unique, atomically: true, encoding: .utf8)
        let cases: [([String], [String: String], String)] = [
            ([input.path, "--output", output.path], [:], "id \"a\" appears on lines 1 and 3; ids must be unique"),
            ([unique.path, "--output", output.path, "--shard", "3/3"], [:], "--shard takes i/n with 0 <= i < n"),
            ([unique.path, "--output", output.path, "--shard", "auto"], [:], "SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT, SLURM_ARRAY_TASK_MIN are not set"),
            ([unique.path, "--output", output.path, "--shard", "auto"], ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"],
             "task 7 is not one of the 3 tasks"),
            ([unique.path, "--output", notRecords.path], [:], "line 1 of '\(notRecords.path)' is not a rat batch record; to start over, add --overwrite"),
            ([dir.appendingPathComponent("missing.jsonl").path, "--output", output.path], [:], "input: cannot read"),
            ([dir.path, "--output", output.path], [:], "is a directory"),
            ([unique.path, "--output", unique.path], [:], "is also an input file"),
            (["--merge", unique.path, "--output", output.path], [:], "--merge takes the input JSONL file and then one or more shard outputs"),
            ([unique.path, notRecords.path, "--output", output.path], [:], "several files are for --merge"),
        ]
        for (arguments, environment, message) in cases {
            let run = try runRat(["batch"] + arguments, timeout: 20, environment: environment)
            #expect(run.exitedNormally && run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(arguments): \(run.stderr)")
        }
    }
}
