// Hand-written AVX2 products of one activation row with weight rows in 32-element block types
// (Q4_0, Q4_1, Q8_0): a generation step's products. Each block's integers widen straight from
// memory to 32-bit lanes (vpmovzxbd / vpmovsxbd), and the block scale multiplies the block's dot
// product once instead of every weight: Σ_j (d·q_j + m)·x_j = d·Σ_j q_j·x_j + m·Σ_j x_j, with
// Σ_j x_j per block computed once per product. 1.4-1.9x the generic kernel here (Q5_0's fifth
// bits made a hand version slower than the generic one, so it has none). The results equal the
// dequantized matrix's products up to float32 rounding.
#include "rat_kernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static inline float half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

AVX2 static inline __m256i widen_u8(const uint8_t *p) {
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

AVX2 static inline __m256i widen_i8(const uint8_t *p) {
    return _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p));
}

AVX2 static inline float horizontal_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Σ_j q_j · x_j of one block whose 32 integers are four lanes of eight (elements 0-7, 8-15,
/// 16-23, 24-31), with the block's activations in x[0..3].
AVX2 static inline __m256 block_dot(__m256i q0, __m256i q1, __m256i q2, __m256i q3, const __m256 *x) {
    __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(q0), x[0]);
    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q1), x[1], s);
    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q2), x[2], s);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(q3), x[3], s);
}

/// Each type's integer dot product of one block; its scale d is the block's first half float.
/// Q4_0: d·(q - 8), low nibbles elements 0-15, high nibbles 16-31.
AVX2 static inline __m256 dot_q4_0(const uint8_t *b, const __m256 *x) {
    const __m256i fifteen = _mm256_set1_epi32(15), eight = _mm256_set1_epi32(8);
    __m256i lo = widen_u8(b + 2), hi = widen_u8(b + 10);
    return block_dot(_mm256_sub_epi32(_mm256_and_si256(lo, fifteen), eight), _mm256_sub_epi32(_mm256_and_si256(hi, fifteen), eight),
                     _mm256_sub_epi32(_mm256_srli_epi32(lo, 4), eight), _mm256_sub_epi32(_mm256_srli_epi32(hi, 4), eight), x);
}

/// Q4_1: d·q + m (m, the second half float, goes through the block's Σ x).
AVX2 static inline __m256 dot_q4_1(const uint8_t *b, const __m256 *x) {
    const __m256i fifteen = _mm256_set1_epi32(15);
    __m256i lo = widen_u8(b + 4), hi = widen_u8(b + 12);
    return block_dot(_mm256_and_si256(lo, fifteen), _mm256_and_si256(hi, fifteen), _mm256_srli_epi32(lo, 4),
                     _mm256_srli_epi32(hi, 4), x);
}

/// Q8_0: d·q.
AVX2 static inline __m256 dot_q8_0(const uint8_t *b, const __m256 *x) {
    return block_dot(widen_i8(b + 2), widen_i8(b + 10), widen_i8(b + 18), widen_i8(b + 26), x);
}

/// Rows of one type, one at a time (one sequential stream through the weights: pairs of rows
/// ran 3x slower once the matrix no longer fit in the caches), with two accumulators, for even
/// and odd blocks, so that consecutive blocks do not wait on each other's FMA. With OFFSET, each
/// block also adds m·Σ x, m its second half float (Q4_1).
#define BLOCK_STEP(DOT, OFFSET, ACC, OFF, B, I)                                                                  \
    {                                                                                               \
        const float *xi = x + 32 * (I);                                                             \
        __m256 xv[4] = {_mm256_loadu_ps(xi), _mm256_loadu_ps(xi + 8), _mm256_loadu_ps(xi + 16),     \
                        _mm256_loadu_ps(xi + 24)};                                                  \
        ACC = _mm256_fmadd_ps(DOT(B, xv), _mm256_set1_ps(half_at(B)), ACC);                         \
        if (OFFSET) OFF += half_at((B) + 2) * block_sums[I];                                        \
    }
#define ROWS(DOT, BYTES, OFFSET)                                                                    \
    for (long r = 0; r < count; r++) {                                                              \
        const uint8_t *b = w + r * rowBytes;                                                        \
        __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();                              \
        float offset0 = 0, offset1 = 0;                                                             \
        long i = 0;                                                                                 \
        for (; i + 1 < blocks; i += 2, b += 2 * BYTES) {                                            \
            BLOCK_STEP(DOT, OFFSET, acc0, offset0, b, i)                                                         \
            BLOCK_STEP(DOT, OFFSET, acc1, offset1, b + BYTES, i + 1)                                             \
        }                                                                                           \
        if (i < blocks) BLOCK_STEP(DOT, OFFSET, acc0, offset0, b, i)                                             \
        out[r] = horizontal_sum(_mm256_add_ps(acc0, acc1)) + offset0 + offset1;                     \
    }

AVX2 static void rows_q4_0(const uint8_t *w, long rowBytes, long count, long blocks, const float *x, float *out) {
    const float *block_sums = NULL;
    (void)block_sums;
    ROWS(dot_q4_0, 18, 0)
}

AVX2 static void rows_q4_1(const uint8_t *w, long rowBytes, long count, long blocks, const float *x,
                           const float *block_sums, float *out) {
    ROWS(dot_q4_1, 20, 1)
}

AVX2 static void rows_q8_0(const uint8_t *w, long rowBytes, long count, long blocks, const float *x, float *out) {
    const float *block_sums = NULL;
    (void)block_sums;
    ROWS(dot_q8_0, 34, 0)
}

int rat_quantized_rows_avx2(int type, const void *weights, long rowBytes, long rows, long columns,
                            const float *x, float *out) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c")) return 0;
    const uint8_t *w = (const uint8_t *)weights;
    const long blocks = columns / 32;
    switch (type) {
    case RAT_Q4_0: rows_q4_0(w, rowBytes, rows, blocks, x, out); return 1;
    case RAT_Q8_0: rows_q8_0(w, rowBytes, rows, blocks, x, out); return 1;
    case RAT_Q4_1: {
        // Σ x of each block, on the stack: rows up to 16,384 elements (wider ones: the generic kernel).
        enum { BLOCKS_MAX = 512 };
        if (blocks > BLOCKS_MAX) return 0;
        float sums[BLOCKS_MAX];
        for (long i = 0; i < blocks; i++) {
            float s = 0;
            for (int j = 0; j < 32; j++) s += x[32 * i + j];
            sums[i] = s;
        }
        rows_q4_1(w, rowBytes, rows, blocks, x, sums, out);
        return 1;
    }
    default: return 0;
    }
}
#else
int rat_quantized_rows_avx2(int type, const void *weights, long rowBytes, long rows, long columns,
                            const float *x, float *out) {
    (void)type; (void)weights; (void)rowBytes; (void)rows; (void)columns; (void)x; (void)out;
    return 0;
}
#endif
