import Foundation

/// The one loaded model, shared by every request: work runs one request at a time on a thread of
/// its own (a pass already uses every core, as `rat trace` does), never on the server's event
/// loops, so `/healthz` and the page answer while a trace runs. At most `limit` requests wait or
/// run; one more is refused (503) rather than queued without bound.
final class ModelQueue: @unchecked Sendable {
    private let queue = DispatchQueue(label: "rat.model", qos: .userInitiated)
    private let lock = NSLock()
    private var held = 0
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a place in the queue now, or throws 503.
    func reserve() throws(APIError) -> Ticket {
        lock.lock()
        defer { lock.unlock() }
        guard held < limit else {
            throw APIError(.serviceUnavailable, "the server is busy: \(limit) requests are already waiting for the model (--max-queue); try again")
        }
        held += 1
        return Ticket(queue: self)
    }

    fileprivate func release() {
        lock.lock()
        held -= 1
        lock.unlock()
    }

    /// A reserved place: runs its work once, in turn, then frees the place.
    struct Ticket: Sendable {
        fileprivate let queue: ModelQueue

        func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                queue.queue.async {
                    let result = Result { try work() }
                    queue.release()
                    continuation.resume(with: result)
                }
            }
        }

        /// Starts the work in turn without waiting for it (a stream answers as it goes).
        func start(_ work: @escaping @Sendable () -> Void) {
            queue.queue.async {
                work()
                queue.release()
            }
        }
    }

    /// Reserves and runs.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await reserve().run(work)
    }
}
