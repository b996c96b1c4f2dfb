import Foundation
import ReverseAttention

/// Which input lines one process takes: `--shard i/n` takes every line whose index (among the
/// non-blank lines, from 0) is i mod n; `--shard auto` is this task's part of a Slurm job array.
struct BatchShard: Equatable, CustomStringConvertible {
    let index: Int
    let count: Int

    static let whole = BatchShard(index: 0, count: 1)

    init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// `i/n` or `auto` (read from the environment Slurm gives each array task).
    init(parsing text: String, environment: [String: String]) throws {
        if text == "auto" {
            self = try Self.slurm(environment)
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            throw TraceError("--shard takes i/n with 0 <= i < n (e.g. 0/4), or auto in a Slurm job array; got '\(text)'")
        }
        self.init(index: i, count: n)
    }

    /// SLURM_ARRAY_TASK_ID, _COUNT and _MIN (and _STEP, for `--array=0-10:2`): the task's index
    /// among the array's tasks.
    static func slurm(_ environment: [String: String]) throws -> BatchShard {
        let names = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN"]
        let values = names.map { environment[$0].flatMap { Int($0) } }
        guard let id = values[0], let count = values[1], let minimum = values[2] else {
            let missing = zip(names, values).filter { $0.1 == nil }.map(\.0)
            throw TraceError("--shard auto reads \(names.joined(separator: ", ")) from Slurm, but \(missing.joined(separator: ", ")) \(missing.count == 1 ? "is" : "are") not set (or not a number): run it in an sbatch --array job, or give --shard i/n")
        }
        let step = environment["SLURM_ARRAY_TASK_STEP"].flatMap { Int($0) } ?? 1
        let offset = id - minimum
        guard count >= 1, step >= 1, offset >= 0, offset % step == 0, offset / step < count else {
            throw TraceError("--shard auto: task \(id) is not one of the \(count) tasks from \(minimum) in steps of \(step) (SLURM_ARRAY_TASK_ID, _MIN, _COUNT, _STEP); an array with gaps (--array=1,5,9) needs --shard i/n")
        }
        return BatchShard(index: offset / step, count: count)
    }

    func contains(recordIndex: Int) -> Bool { recordIndex % count == index }

    var description: String { "\(index)/\(count)" }
}
