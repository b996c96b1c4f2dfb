import Foundation
import Testing

/// Whether this machine has Slurm (`make test` installs it: scripts/install-deps.sh); with
/// RAT_REQUIRE_ASSETS=1 its absence is a failure, not a skip.
let haveSlurm = FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld")
    || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

/// `rat batch --shard auto` in a real Slurm job array: a one-node cluster on localhost
/// (scripts/slurm-cluster.sh), `sbatch --array=0-2`, the shards merged, compared with one
/// unsharded run. Serialized: each test starts its own cluster, and two at once would share
/// this machine's two cores among six tasks.
@Suite(.serialized) struct SlurmBatchTests {
    struct ClusterFailure: Error, CustomStringConvertible { let description: String }

    /// Starts a one-node cluster in `dir/slurm`; returns the environment that reaches it and the
    /// command that stops it.
    func startCluster(in dir: URL) throws -> (environment: [String: String], stop: () -> Void) {
        let cluster = repositoryRoot.appendingPathComponent("scripts/slurm-cluster.sh").path
        let state = dir.appendingPathComponent("slurm").path
        let started = try runProgram("/bin/bash", [cluster, "start", state], timeout: 120)
        let stop = { _ = try? runProgram("/bin/bash", [cluster, "stop", state], timeout: 60) }
        guard started.status == 0 else {
            stop()
            throw ClusterFailure(description: "the Slurm cluster did not start: \(started.stderr)")
        }
        return (["SLURM_CONF": state + "/slurm.conf"], stop)
    }

    /// The tutorial "Trace a dataset with rat batch on a Slurm cluster" (the documentation's
    /// Resources/rat-batch-slurm.sh): it prints what the tutorial shows, and the fox sentence's
    /// traces are the reference's (Fixtures/trace/cases.json, cases 0 and 1).
    @Test(.enabled(if: haveSmolLM2 && haveSlurm)) func theSlurmTutorialRunsAsWritten() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (slurm, stop) = try startCluster(in: dir)
        defer { stop() }
        let resources = repositoryRoot.appendingPathComponent("Sources/ReverseAttention/ReverseAttention.docc/Resources")
        let script = resources.appendingPathComponent("rat-batch-slurm.sh").path
        // The tutorial calls `rat` by name, with the default model.
        let path = ratExecutable.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try runProgram("/bin/sh", ["-c", "cd \"$0\" && exec /bin/sh \"$1\"", dir.path, script], timeout: 300,
                                 environment: slurm.merging(["PATH": path, "RAT_CACHE": cacheDirectory.path]) { $1 })
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try String(contentsOf: resources.appendingPathComponent("rat-batch-slurm-output.txt"), encoding: .utf8)
        #expect(run.stdout == expected)
        let traces = try BatchTests.records(dir.appendingPathComponent("traces.jsonl"))
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/trace/cases.json"))) as! [String: Any]
        let reference = (cases["cases"] as! [[String: Any]]).map { ($0["expected"] as! [String: Any])["paths_text"] as! [String] }
        func paths(_ id: String) -> [String]? {
            (traces.first { $0["id"] as? String == id }?["trace"] as? [String: Any])?["paths_text"] as? [String]
        }
        #expect(paths("fox") == reference[0])
        #expect(paths("fox-layer-0") == reference[1])
        #expect(traces.map { $0["id"] as? String } == ["fox", "fox-layer-0", "paris", "rain", "empty", "code"])
    }

    @Test(.enabled(if: haveSmolLM2 && haveSlurm)) func jobArrayShardsMergeToTheUnshardedRun() throws {
        let dir = try temporaryDirectory()
        let (slurm, stop) = try startCluster(in: dir)
        defer { stop() }

        let input = dir.appendingPathComponent("in.jsonl")
        try BatchTests.dozen().write(to: input, atomically: true, encoding: .utf8)
        // One thread everywhere, so the three tasks share the two cores evenly.
        let whole = dir.appendingPathComponent("whole.jsonl")
        #expect(try runRat(["batch", input.path, "--output", whole.path, "--model", smolLM2, "--threads", "1"]).status == 0)

        let job = dir.appendingPathComponent("job.sh")
        try """
            #!/bin/bash
            #SBATCH --job-name=rat-batch-test
            #SBATCH --cpus-per-task=1
            #SBATCH --output=\(dir.path)/slurm-%A_%a.out
            exec "\(ratExecutable.path)" batch "\(input.path)" --shard auto --model "\(smolLM2)" --threads 1 \\
                --output "\(dir.path)/out.$SLURM_ARRAY_TASK_ID.jsonl"
            """.write(to: job, atomically: true, encoding: .utf8)
        let submitted = try runProgram("/usr/bin/sbatch", ["--array=0-2", "--wait", job.path], timeout: 300, environment: slurm)
        let logs = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("slurm-") }.sorted()
            .map { (try? String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) ?? "" }
        #expect(submitted.status == 0, "sbatch: \(submitted.stdout)\(submitted.stderr)")

        let shards = (0..<3).map { dir.appendingPathComponent("out.\($0).jsonl").path }
        for (i, shard) in shards.enumerated() {
            let ids = try BatchTests.records(URL(fileURLWithPath: shard)).map { $0["id"] as? String }
            #expect(ids == (0..<12).filter { $0 % 3 == i }.map { "t\($0)" }, "task \(i): \(logs)")
        }
        let merged = dir.appendingPathComponent("merged.jsonl")
        let merge = try runRat(["batch", "--merge", input.path] + shards + ["--output", merged.path])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try Data(contentsOf: merged) == Data(contentsOf: whole))
    }
}
