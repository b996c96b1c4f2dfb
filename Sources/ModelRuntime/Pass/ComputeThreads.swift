import CKernels
import Foundation

/// The process-wide default thread count (`--threads`); a model's own `threads` overrides it.
/// Behind a lock, so setting it while passes run elsewhere is safe.
private let defaultThreads = LockedValue<Int?>(nil)

/// Sets the default number of threads for forward passes and dequantization (`--threads`).
public func setComputeThreads(_ count: Int) {
    defaultThreads.set(max(1, count))
}

var computeThreads: Int { defaultThreads.get() ?? ProcessInfo.processInfo.activeProcessorCount }

/// A value read and written under a lock.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set(_ new: Value) {
        lock.lock()
        defer { lock.unlock() }
        value = new
    }
}

/// Runs `body(worker)` for `0..<workers` at once and returns when all are done.
func parallelWorkers(_ workers: Int, _ body: (Int) -> Void) {
    if workers <= 1 {
        body(0)
        return
    }
    withoutActuallyEscaping(body) { body in
        // Callers give each worker disjoint data (or take items from a WorkQueue).
        nonisolated(unsafe) var work = body
        let pooled = withUnsafeMutablePointer(to: &work) { work in
            rat_pool_run(Int32(workers), { context, worker in
                context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(worker))
            }, work)
        }
        // The pool is taken (a nested or concurrent call): Dispatch's threads instead.
        if pooled == 0 {
            nonisolated(unsafe) let shared = work
            DispatchQueue.concurrentPerform(iterations: workers) { shared($0) }
        }
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
