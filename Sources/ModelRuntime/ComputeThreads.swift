import Foundation
#if canImport(COpenBLAS)
import COpenBLAS
#endif

/// How many threads the forward pass uses (`--threads`); nil = one per core.
nonisolated(unsafe) var computeThreadCount: Int? = nil

/// Sets the number of threads for the forward pass (`--threads`).
public func setComputeThreads(_ count: Int) {
    computeThreadCount = max(1, count)
}

var computeThreads: Int { computeThreadCount ?? ProcessInfo.processInfo.activeProcessorCount }

/// rat splits the work over the cores itself (rows of a matrix product, blocks of attention) and
/// calls BLAS from each worker: OpenBLAS's own threads would spin (sched_yield) between the many
/// mid-sized products of a pass and fight rat's workers for the cores. Measured at 512 tokens
/// on 2 cores, one split per stage instead of one per product is markedly faster.
let singleThreadedBLAS: Void = {
    #if canImport(COpenBLAS)
    openblas_set_num_threads(1)
    #endif
}()

/// Runs `body(worker)` for `0..<workers` at once and returns when all are done.
func parallelWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { body in
        // Callers give each worker disjoint data (or take items from a WorkQueue).
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { work($0) }
    }
}

/// Splits `0..<count` over the cores (serially when small).
func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let workers = computeThreads
    if count < 64 || workers < 2 {
        body(0..<count)
        return
    }
    let chunk = (count + workers - 1) / workers
    parallelWorkers(workers) { w in
        let start = w * chunk
        if start < count { body(start..<min(start + chunk, count)) }
    }
}

/// `0..<count` split into `parts` contiguous ranges whose sizes differ by at most one.
func evenRanges(_ count: Int, parts: Int) -> [Range<Int>] {
    (0..<parts).map { p in (count * p / parts)..<(count * (p + 1) / parts) }
}

/// Hands out item indices `0..<count` one at a time to whichever worker asks first.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextItem = 0
    let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextItem < count else { return nil }
        nextItem += 1
        return nextItem - 1
    }
}
