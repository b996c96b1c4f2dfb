import Foundation
import Testing

/// Whether this machine has Slurm (`make test` installs it: scripts/install-deps.sh); with
/// RAT_REQUIRE_ASSETS=1 its absence is a failure, not a skip.
let haveSlurm = FileManager.default.isExecutableFile(atPath: "/usr/sbin/slurmctld")
    || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

/// `rat batch --shard auto` in a real Slurm job array: a one-node cluster on localhost
/// (scripts/slurm-cluster.sh), `sbatch --array=0-2`, the shards merged, compared with one
/// unsharded run.
@Suite(.serialized) struct SlurmBatchTests {
    @Test(.enabled(if: haveSmolLM2 && haveSlurm)) func jobArrayShardsMergeToTheUnshardedRun() throws {
        let dir = try temporaryDirectory()
        let cluster = repositoryRoot.appendingPathComponent("scripts/slurm-cluster.sh").path
        let state = dir.appendingPathComponent("slurm").path
        let started = try runProgram("/bin/bash", [cluster, "start", state], timeout: 120)
        defer { _ = try? runProgram("/bin/bash", [cluster, "stop", state], timeout: 60) }
        try #require(started.status == 0, "the Slurm cluster did not start: \(started.stderr)")
        let slurm = ["SLURM_CONF": state + "/slurm.conf"]

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
