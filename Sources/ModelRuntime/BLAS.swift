#if canImport(Accelerate)
import Accelerate
#else
import COpenBLAS
#endif

/// Matrix products through BLAS. Row-major throughout.
enum BLAS {
    /// `c[m][n] = a[m][k] · b[n][k]ᵀ (+ c if accumulate)`: activations times a weight matrix stored
    /// `[out][in]`, the layout of both PyTorch and GGUF weights.
    @inline(__always)
    static func matmulTransposedB(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil, accumulate: Bool = false
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k), 1,
                    a, Int32(lda ?? k), b, Int32(ldb ?? k), accumulate ? 1 : 0, c, Int32(ldc ?? n))
    }

    /// `c[m][n] = a[m][k] · b[k][n]`.
    @inline(__always)
    static func matmul(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                    a, Int32(lda ?? k), b, Int32(ldb ?? n), 0, c, Int32(ldc ?? n))
    }
}
