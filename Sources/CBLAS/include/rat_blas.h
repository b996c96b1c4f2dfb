#ifndef RAT_BLAS_H
#define RAT_BLAS_H

/// OpenBLAS, loaded at run time (see blas_loader.c for why).

/// Loads OpenBLAS once (thread-safe). Returns NULL when it is ready, else why it is not.
const char *rat_blas_load(void);

/// Row-major c[m][n] = alpha · a[m][k] · op(b) + beta · c, op(b) = b[k][n] or, with
/// transpose_b, b[n][k]ᵀ. Single-threaded: rat splits the work over the cores itself.
void rat_sgemm(int transpose_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/// "OpenBLAS 0.3.21 ...; kernels Cooperlake (OpenBLAS's choice for this CPU)", for inspect and benchmarks.
const char *rat_blas_description(void);

#endif
