import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A float32 `.npy` file written in place as a pass streams its attention (`rat attention`): the
/// header first, then each block of rows at its own offset, so the array, however large, is never
/// held in memory. The data is `[layers][heads][rows][keys]`, whatever `shape` says of the first
/// two axes (`[rows][keys]` for one layer's aggregated heads): rows of `layers[i]` go to layer
/// index `i`, head `h` of a block to head index `h`.
public final class NumpyFileWriter: AttentionStream, @unchecked Sendable {
    /// The file being written.
    public let path: String
    /// The array's shape, as its header states it.
    public let shape: [Int]
    private let layerIndex: [Int: Int]
    private let descriptor: Int32
    private let dataStart: Int
    private let lock = NSLock()
    private var failure: String?

    /// Creates (or empties) the file at `path` and sets aside room for the whole array, so that
    /// a full disk is an error before the pass rather than after it.
    public init(path: String, shape: [Int], layers: [Int]) throws(TraceError) {
        #if _endian(big)
        throw TraceError("writing .npy needs a little-endian machine")
        #endif
        guard shape.count >= 2, shape.allSatisfy({ $0 > 0 }) else { throw TraceError("cannot write an array of shape \(shape)") }
        self.path = path
        self.shape = shape
        layerIndex = Dictionary(layers.enumerated().map { ($1, $0) }) { first, _ in first }
        let header = NumpyArray.header(shape: shape)
        dataStart = header.count
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TraceError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
        let bytes = dataStart + shape.reduce(MemoryLayout<Float>.size, *)
        // posix_fallocate returns the error; a file system without it still gets its size.
        let reserved = posix_fallocate(descriptor, 0, off_t(bytes))
        if reserved != 0 && reserved != EOPNOTSUPP && reserved != EINVAL {
            close(descriptor)
            throw TraceError("cannot write '\(path)' (\(bytes) bytes): \(String(cString: strerror(reserved)))")
        }
        if reserved != 0 { _ = ftruncate(descriptor, off_t(bytes)) }
        header.withUnsafeBytes { record(writeAll($0.baseAddress!, count: header.count, at: 0)) }
        if let failure { close(descriptor); throw TraceError(failure) }
    }

    deinit { close(descriptor) }

    /// Writes rows `rows` of `layer` (`heads` blocks of `[rows.count][keys]`) at their place in
    /// the file; a block that does not fit the shape, or a failed write, is kept for `finish()`.
    public func write(layer: Int, heads: Int, rows: Range<Int>, keys: Int, values: UnsafePointer<Float>) {
        let rowCount = shape[shape.count - 2], keyCount = shape[shape.count - 1]
        // Whether or not the shape names them, the layer and head axes lead, in that order.
        guard let l = layerIndex[layer], keys == keyCount, rows.upperBound <= rowCount,
              layerIndex.count * heads * rowCount * keyCount == shape.reduce(1, *) else {
            record("rows \(rows) of layer \(layer) (\(heads) heads, \(keys) keys) do not fit the array \(shape)")
            return
        }
        let block = rows.count * keys
        for h in 0..<heads {
            let element = ((l * heads + h) * rowCount + rows.lowerBound) * keyCount
            record(writeAll(values + h * block, count: block * MemoryLayout<Float>.size,
                            at: dataStart + element * MemoryLayout<Float>.size))
        }
    }

    /// Ends the file; throws the first write that failed, if any.
    public func finish() throws(TraceError) {
        lock.lock()
        defer { lock.unlock() }
        if let failure { throw TraceError(failure) }
    }

    /// `pwrite` until every byte is written; nil, or what went wrong.
    private func writeAll(_ bytes: UnsafeRawPointer, count: Int, at offset: Int) -> String? {
        var done = 0
        while done < count {
            let n = pwrite(descriptor, bytes + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return "cannot write '\(path)': \(n < 0 ? String(cString: strerror(errno)) : "nothing written")" }
            done += n
        }
        return nil
    }

    private func record(_ problem: String?) {
        guard let problem else { return }
        lock.lock()
        if failure == nil { failure = problem }
        lock.unlock()
    }
}
