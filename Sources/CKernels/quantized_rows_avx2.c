// Hand-written AVX2 products of one activation row with weight rows in 32-element block types
// (Q4_0, Q4_1, Q8_0), and in AVX-512 where the CPU has it: a generation step's products. Each block's integers widen straight from
// memory to 32-bit lanes (vpmovzxbd / vpmovsxbd), and the block scale multiplies the block's dot
// product once instead of every weight: Σ_j (d·q_j + m)·x_j = d·Σ_j q_j·x_j + m·Σ_j x_j, with
// Σ_j x_j per block computed once per product. 1.4-1.9x the generic kernel here (Q5_0's fifth
// bits made a hand version slower than the generic one, so it has none). The results equal the
// dequantized matrix's products up to float32 rounding.
#include "rat_kernels.h"
#include "quantized_blocks.h"
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
/// 16-23, 24-31).
AVX2 static inline __m256 block_dot(__m256i q0, __m256i q1, __m256i q2, __m256i q3, const float *x) {
    __m256 s = _mm256_mul_ps(_mm256_cvtepi32_ps(q0), _mm256_loadu_ps(x));
    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q1), _mm256_loadu_ps(x + 8), s);
    s = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q2), _mm256_loadu_ps(x + 16), s);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(q3), _mm256_loadu_ps(x + 24), s);
}

/// Each type's integer dot product of one block; its scale d is the block's first half float.
/// Q4_0: d·(q - 8), low nibbles elements 0-15, high nibbles 16-31.
AVX2 static inline __m256 dot_q4_0(const uint8_t *b, const float *x) {
    const __m256i fifteen = _mm256_set1_epi32(15), eight = _mm256_set1_epi32(8);
    __m256i lo = widen_u8(b + 2), hi = widen_u8(b + 10);
    return block_dot(_mm256_sub_epi32(_mm256_and_si256(lo, fifteen), eight), _mm256_sub_epi32(_mm256_and_si256(hi, fifteen), eight),
                     _mm256_sub_epi32(_mm256_srli_epi32(lo, 4), eight), _mm256_sub_epi32(_mm256_srli_epi32(hi, 4), eight), x);
}

/// Q4_1: d·q + m (m, the second half float, goes through the block's Σ x).
AVX2 static inline __m256 dot_q4_1(const uint8_t *b, const float *x) {
    const __m256i fifteen = _mm256_set1_epi32(15);
    __m256i lo = widen_u8(b + 4), hi = widen_u8(b + 12);
    return block_dot(_mm256_and_si256(lo, fifteen), _mm256_and_si256(hi, fifteen), _mm256_srli_epi32(lo, 4),
                     _mm256_srli_epi32(hi, 4), x);
}

/// Q8_0: d·q.
AVX2 static inline __m256 dot_q8_0(const uint8_t *b, const float *x) {
    return block_dot(widen_i8(b + 2), widen_i8(b + 10), widen_i8(b + 18), widen_i8(b + 26), x);
}

/// Rows of one type, one at a time (one sequential stream through the weights: pairs of rows
/// ran 3x slower once the matrix no longer fit in the caches), with two accumulators, for even
/// and odd blocks, so that consecutive blocks do not wait on each other's FMA. W is the vector
/// width's helpers (w256_ or w512_), DOT the type's block dot product; with OFFSET, each block
/// also adds m·Σ x, m its second half float (Q4_1).
#define BLOCK_STEP(W, DOT, OFFSET, ACC, OFF, B, I)                                                  \
    {                                                                                               \
        ACC = W##fma(DOT(B, x + 32 * (I)), W##set1(half_at(B)), ACC);                               \
        if (OFFSET) OFF += half_at((B) + 2) * block_sums[I];                                        \
    }
#define ROWS(W, DOT, BYTES, OFFSET)                                                                 \
    for (long r = 0; r < count; r++) {                                                              \
        const uint8_t *b = w + r * rowBytes;                                                        \
        W##vector acc0 = W##zero(), acc1 = W##zero();                                               \
        float offset0 = 0, offset1 = 0;                                                             \
        long i = 0;                                                                                 \
        for (; i + 1 < blocks; i += 2, b += 2 * BYTES) {                                            \
            BLOCK_STEP(W, DOT, OFFSET, acc0, offset0, b, i)                                         \
            BLOCK_STEP(W, DOT, OFFSET, acc1, offset1, b + BYTES, i + 1)                             \
        }                                                                                           \
        if (i < blocks) BLOCK_STEP(W, DOT, OFFSET, acc0, offset0, b, i)                             \
        out[r] = W##sum(acc0, acc1) + offset0 + offset1;                                            \
    }

typedef __m256 w256_vector;
AVX2 static inline __m256 w256_zero(void) { return _mm256_setzero_ps(); }
AVX2 static inline __m256 w256_set1(float f) { return _mm256_set1_ps(f); }
AVX2 static inline __m256 w256_fma(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
AVX2 static inline float w256_sum(__m256 a, __m256 b) { return horizontal_sum(_mm256_add_ps(a, b)); }

/// Every row function has this signature; `block_sums` (Σ x per 32 elements) is read by the
/// types with an offset or a min (Q4_1, Q4_K) and ignored by the rest.
typedef void rows_function(const uint8_t *w, long rowBytes, long count, long blocks, const float *x,
                           const float *block_sums, float *out);
#define ROWS_FUNCTION(ATTR, NAME, W, DOT, BYTES, OFFSET)                                            \
    ATTR static void NAME(const uint8_t *w, long rowBytes, long count, long blocks, const float *x, \
                          const float *block_sums, float *out) {                                    \
        (void)block_sums;                                                                           \
        ROWS(W, DOT, BYTES, OFFSET)                                                                 \
    }

ROWS_FUNCTION(AVX2, rows_q4_0, w256_, dot_q4_0, 18, 0)
ROWS_FUNCTION(AVX2, rows_q4_1, w256_, dot_q4_1, 20, 1)
ROWS_FUNCTION(AVX2, rows_q8_0, w256_, dot_q8_0, 34, 0)

/// AVX-512 (Zen 4, recent Intel): a whole 16-byte run of nibbles widens to one register of
/// sixteen 32-bit lanes, whose low nibbles are elements 0-15 and high nibbles 16-31, so a block
/// takes half the instructions.
#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

AVX512 static inline __m512 dot16x2(__m512i q0, __m512i q1, const float *x) {
    __m512 s = _mm512_mul_ps(_mm512_cvtepi32_ps(q0), _mm512_loadu_ps(x));
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(q1), _mm512_loadu_ps(x + 16), s);
}

AVX512 static inline __m512 dot512_q4_0(const uint8_t *b, const float *x) {
    const __m512i fifteen = _mm512_set1_epi32(15), eight = _mm512_set1_epi32(8);
    __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 2)));
    return dot16x2(_mm512_sub_epi32(_mm512_and_si512(v, fifteen), eight), _mm512_sub_epi32(_mm512_srli_epi32(v, 4), eight), x);
}

AVX512 static inline __m512 dot512_q4_1(const uint8_t *b, const float *x) {
    const __m512i fifteen = _mm512_set1_epi32(15);
    __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 4)));
    return dot16x2(_mm512_and_si512(v, fifteen), _mm512_srli_epi32(v, 4), x);
}

AVX512 static inline __m512 dot512_q8_0(const uint8_t *b, const float *x) {
    return dot16x2(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 2))),
                   _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b + 18))), x);
}

typedef __m512 w512_vector;
AVX512 static inline __m512 w512_zero(void) { return _mm512_setzero_ps(); }
AVX512 static inline __m512 w512_set1(float f) { return _mm512_set1_ps(f); }
AVX512 static inline __m512 w512_fma(__m512 a, __m512 b, __m512 c) { return _mm512_fmadd_ps(a, b, c); }
AVX512 static inline float w512_sum(__m512 a, __m512 b) { return _mm512_reduce_add_ps(_mm512_add_ps(a, b)); }

ROWS_FUNCTION(AVX512, rows512_q4_0, w512_, dot512_q4_0, 18, 0)
ROWS_FUNCTION(AVX512, rows512_q4_1, w512_, dot512_q4_1, 20, 1)
ROWS_FUNCTION(AVX512, rows512_q8_0, w512_, dot512_q8_0, 34, 0)

/// Q5_0 in AVX-512: the fifth bits of elements 0-15 and 16-31 are the two halves of the block's
/// 32-bit qh, which are lane masks as they stand.
AVX512 static void rows512_q5_0(const uint8_t *w, long rowBytes, long count, long blocks, const float *x,
                                const float *block_sums, float *out) {
    (void)block_sums;
    const __m512i fifteen = _mm512_set1_epi32(15), sixteen = _mm512_set1_epi32(16);
    for (long r = 0; r < count; r++) {
        const uint8_t *b = w + r * rowBytes;
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        for (long i = 0; i < blocks; i++, b += 22) {
            uint32_t qh;
            memcpy(&qh, b + 2, 4);
            __m512i v = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(b + 6)));
            __m512i lo = _mm512_and_si512(v, fifteen), hi = _mm512_srli_epi32(v, 4);
            lo = _mm512_sub_epi32(_mm512_mask_or_epi32(lo, (__mmask16)(qh & 0xFFFF), lo, sixteen), sixteen);
            hi = _mm512_sub_epi32(_mm512_mask_or_epi32(hi, (__mmask16)(qh >> 16), hi, sixteen), sixteen);
            __m512 d = _mm512_set1_ps(half_at(b));
            if (i & 1) acc1 = _mm512_fmadd_ps(dot16x2(lo, hi, x + 32 * i), d, acc1);
            else acc0 = _mm512_fmadd_ps(dot16x2(lo, hi, x + 32 * i), d, acc0);
        }
        out[r] = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
    }
}

/// Q4_K in AVX-512: each 256-element block is four pairs of 32-element sub-blocks sharing 32
/// bytes (low nibbles the first, high nibbles the second), each sub-block with a 6-bit scale and
/// min: Σ (d·sc·q - dmin·m)·x = d·sc·Σ q·x - dmin·m·Σ x, with Σ x per 32 elements precomputed.
/// (`blocks` counts 32-element runs, as for the other types.)
AVX512 static void rows512_q4_k(const uint8_t *w, long rowBytes, long count, long blocks, const float *x,
                                const float *block_sums, float *out) {
    blocks /= 8;
    const __m512i fifteen = _mm512_set1_epi32(15);
    for (long r = 0; r < count; r++) {
        const uint8_t *b = w + r * rowBytes;
        __m512 acc = _mm512_setzero_ps();
        float mins = 0;
        for (long i = 0; i < blocks; i++, b += 144) {
            const float d = half_at(b), dmin = half_at(b + 2);
            const uint8_t *scales = b + 4, *q = b + 16;
            const float *xb = x + 256 * i;
            for (int pair = 0; pair < 4; pair++, q += 32) {
                uint8_t sc0, m0, sc1, m1;
                int j = 2 * pair;
                scale_min_k4(j, scales, &sc0, &m0);
                scale_min_k4(j + 1, scales, &sc1, &m1);
                __m512i v0 = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)q));
                __m512i v1 = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q + 16)));
                const float *xs = xb + 64 * pair;
                __m512 first = dot16x2(_mm512_and_si512(v0, fifteen), _mm512_and_si512(v1, fifteen), xs);
                __m512 second = dot16x2(_mm512_srli_epi32(v0, 4), _mm512_srli_epi32(v1, 4), xs + 32);
                acc = _mm512_fmadd_ps(first, _mm512_set1_ps(d * sc0), acc);
                acc = _mm512_fmadd_ps(second, _mm512_set1_ps(d * sc1), acc);
                mins += dmin * m0 * block_sums[8 * i + j] + dmin * m1 * block_sums[8 * i + j + 1];
            }
        }
        out[r] = _mm512_reduce_add_ps(acc) - mins;
    }
}

int rat_quantized_isa(void) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !__builtin_cpu_supports("f16c")) return RAT_ISA_GENERIC;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
        return RAT_ISA_AVX512;
    return RAT_ISA_AVX2;
}

int rat_quantized_rows_avx2(int isa, int type, const void *weights, long rowBytes, long rows, long columns,
                            const float *x, float *out) {
    const int best = rat_quantized_isa();
    if (isa > best) isa = best;
    if (isa < RAT_ISA_AVX2) return 0;
    const int wide = isa >= RAT_ISA_AVX512;
    rows_function *run = NULL;
    int needs_sums = 0;
    switch (type) {
    case RAT_Q4_0: run = wide ? rows512_q4_0 : rows_q4_0; break;
    case RAT_Q8_0: run = wide ? rows512_q8_0 : rows_q8_0; break;
    case RAT_Q4_1: run = wide ? rows512_q4_1 : rows_q4_1; needs_sums = 1; break;
    // A fifth bit per lane costs AVX2 more than the generic kernel saves: AVX-512 only, as Q4_K.
    case RAT_Q5_0: run = wide ? rows512_q5_0 : NULL; break;
    case RAT_Q4_K: run = wide && columns % 256 == 0 ? rows512_q4_k : NULL; needs_sums = 1; break;
    default: break;
    }
    const long blocks = columns / 32;
    // Σ x of each 32 elements, on the stack: rows up to 16,384 elements (wider ones: the generic kernel).
    enum { BLOCKS_MAX = 512 };
    if (!run || (needs_sums && blocks > BLOCKS_MAX)) return 0;
    float sums[BLOCKS_MAX];
    if (needs_sums) {
        for (long i = 0; i < blocks; i++) {
            float s = 0;
            for (int j = 0; j < 32; j++) s += x[32 * i + j];
            sums[i] = s;
        }
    }
    run((const uint8_t *)weights, rowBytes, rows, blocks, x, sums, out);
    return 1;
}
#else
int rat_quantized_isa(void) { return RAT_ISA_GENERIC; }

int rat_quantized_rows_avx2(int isa, int type, const void *weights, long rowBytes, long rows, long columns,
                            const float *x, float *out) {
    (void)isa;
    (void)type; (void)weights; (void)rowBytes; (void)rows; (void)columns; (void)x; (void)out;
    return 0;
}
#endif
