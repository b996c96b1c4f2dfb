#if canImport(COpenBLAS)
import COpenBLAS
#endif

/// How many threads the forward pass uses: OpenBLAS's and rat's own elementwise workers.
nonisolated(unsafe) var computeThreadCount: Int? = nil

/// Sets the number of threads for matrix products and elementwise work (`--threads`).
public func setComputeThreads(_ count: Int) {
    computeThreadCount = max(1, count)
    #if canImport(COpenBLAS)
    openblas_set_num_threads(Int32(max(1, count)))
    #endif
}
