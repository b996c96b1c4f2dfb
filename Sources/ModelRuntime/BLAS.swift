import Dispatch
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Matrix products through BLAS (OpenBLAS, loaded at run time; Accelerate on macOS). Row-major
/// throughout; each call runs on the calling thread (the forward pass splits work over the cores).
public enum BLAS {
    /// Makes sure the library is there: a clear error instead of a crash at the first product.
    static func load() throws(ModelError) {
        #if !canImport(Accelerate)
        if let error = rat_blas_load() { throw ModelError(String(cString: error)) }
        #endif
    }

    /// Which library and kernels run the products (for `rat inspect` and benchmarks).
    public static var description: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        return String(cString: rat_blas_description())
        #endif
    }

    /// `c[m][n] = a[m][k] · b[n][k]ᵀ (+ c if accumulate)`: activations times a weight matrix stored
    /// `[out][in]`, the layout of both PyTorch and GGUF weights.
    @inline(__always)
    static func matmulTransposedB(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil, accumulate: Bool = false
    ) {
        sgemm(transposeB: true, m: m, n: n, k: k, a, lda ?? k, b, ldb ?? k, beta: accumulate ? 1 : 0, c, ldc ?? n)
    }

    /// `c[m][n] = a[m][k] · b[k][n] (+ c if accumulate)`.
    @inline(__always)
    static func matmul(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil, accumulate: Bool = false
    ) {
        sgemm(transposeB: false, m: m, n: n, k: k, a, lda ?? k, b, ldb ?? n, beta: accumulate ? 1 : 0, c, ldc ?? n)
    }

    @inline(__always)
    private static func sgemm(
        transposeB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>,
        _ ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        #if canImport(Accelerate)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #else
        rat_sgemm(transposeB ? 1 : 0, Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        #endif
    }

    /// Measured sgemm throughput in GFLOP/s the way the forward pass uses it: `threads` workers,
    /// each multiplying its share of the rows of an n×n by n×n product (best of 5).
    public static func measuredGFLOPs(size n: Int = 1024, threads: Int? = nil) throws(ModelError) -> Double {
        try load()
        let threads = threads ?? computeThreads
        let a = [Float](repeating: 0.5, count: n * n), b = a
        var c = [Float](repeating: 0, count: n * n)
        let ranges = evenRanges(n, parts: threads)
        var best = Double.infinity
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<5 {
                        let start = DispatchTime.now().uptimeNanoseconds
                        parallelWorkers(threads) { w in
                            let rows = ranges[w]
                            matmulTransposedB(a.baseAddress! + rows.lowerBound * n, b.baseAddress!,
                                              c.baseAddress! + rows.lowerBound * n, m: rows.count, n: n, k: n)
                        }
                        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    }
                }
            }
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
