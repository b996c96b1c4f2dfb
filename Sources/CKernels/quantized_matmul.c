// Matrix products read straight from GGUF's quantized blocks, for passes of a few positions (a
// generation step): each block of a weight row is dequantized into a small buffer that stays in
// L1 and multiplied with float32 activations there, so the weights are read once, at their
// quantized size, and no float32 copy of them is ever made. The dequantization is ggml's
// (`dequantize_row_*`), so the products equal those of the dequantized matrix up to the order
// of float32 additions.
#include "rat_kernels.h"
#include "quantized_blocks.h"
#include <stdint.h>
#include <string.h>

#include "target_clones.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/// Widest block (K-quants): 256 elements.
enum { BLOCK_MAX = 256, LANES = 16, ROWS_MAX = 8 };

typedef float f32x8 __attribute__((vector_size(32)));

/// Eight floats from any address (a macro: a function returning a vector warns about the ABI
/// in the baseline clone).
#define LOAD8(p) ({ f32x8 v_; memcpy(&v_, (p), sizeof v_); v_; })

static inline float f16(const uint8_t *p) {
    _Float16 h;
    memcpy(&h, p, sizeof h);
    return (float)h;
}

static inline float bf16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, sizeof h);
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/// One block of `type` at `b` as float32 into `y` (block_size(type) values).
static ALWAYS_INLINE void dequantize_block(int type, const uint8_t *b, float *restrict y) {
    switch (type) {
    case RAT_Q4_0: {
        float d = f16(b);
        for (int j = 0; j < 16; j++) {
            y[j] = (float)((b[2 + j] & 0x0F) - 8) * d;
            y[j + 16] = (float)((b[2 + j] >> 4) - 8) * d;
        }
        break;
    }
    case RAT_Q4_1: {
        float d = f16(b), m = f16(b + 2);
        for (int j = 0; j < 16; j++) {
            y[j] = (float)(b[4 + j] & 0x0F) * d + m;
            y[j + 16] = (float)(b[4 + j] >> 4) * d + m;
        }
        break;
    }
    case RAT_Q5_0: {
        float d = f16(b);
        uint32_t qh;
        memcpy(&qh, b + 2, 4);
        for (int j = 0; j < 16; j++) {
            uint8_t h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
            y[j] = (float)(((b[6 + j] & 0x0F) | h0) - 16) * d;
            y[j + 16] = (float)(((b[6 + j] >> 4) | h1) - 16) * d;
        }
        break;
    }
    case RAT_Q5_1: {
        float d = f16(b), m = f16(b + 2);
        uint32_t qh;
        memcpy(&qh, b + 4, 4);
        for (int j = 0; j < 16; j++) {
            uint8_t h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
            y[j] = (float)((b[8 + j] & 0x0F) | h0) * d + m;
            y[j + 16] = (float)((b[8 + j] >> 4) | h1) * d + m;
        }
        break;
    }
    case RAT_Q8_0: {
        float d = f16(b);
        int8_t q[32];
        memcpy(q, b + 2, sizeof q);
        for (int j = 0; j < 32; j++) y[j] = (float)q[j] * d;
        break;
    }
    case RAT_Q4_K: {
        float d = f16(b), dmin = f16(b + 2);
        const uint8_t *scales = b + 4, *q = b + 16;
        for (int is = 0; is < 8; is += 2, q += 32, y += 64) {
            uint8_t sc, m;
            scale_min_k4(is, scales, &sc, &m);
            float d1 = d * sc, m1 = dmin * m;
            scale_min_k4(is + 1, scales, &sc, &m);
            float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++) y[l] = d1 * (float)(q[l] & 0x0F) - m1;
            for (int l = 0; l < 32; l++) y[32 + l] = d2 * (float)(q[l] >> 4) - m2;
        }
        break;
    }
    case RAT_Q5_K: {
        float d = f16(b), dmin = f16(b + 2);
        const uint8_t *scales = b + 4, *qh = b + 16, *ql = b + 48;
        uint8_t u1 = 1, u2 = 2;
        for (int is = 0; is < 8; is += 2, ql += 32, y += 64, u1 <<= 2, u2 <<= 2) {
            uint8_t sc, m;
            scale_min_k4(is, scales, &sc, &m);
            float d1 = d * sc, m1 = dmin * m;
            scale_min_k4(is + 1, scales, &sc, &m);
            float d2 = d * sc, m2 = dmin * m;
            for (int l = 0; l < 32; l++) y[l] = d1 * (float)((ql[l] & 0x0F) + ((qh[l] & u1) ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[32 + l] = d2 * (float)((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
        }
        break;
    }
    case RAT_Q6_K: {
        float d = f16(b + 208);
        const uint8_t *ql = b, *qh = b + 128;
        const int8_t *sc = (const int8_t *)(b + 192);
        for (int half = 0; half < 2; half++, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = (int)((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                int q2 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
        }
        break;
    }
    case RAT_F16:
        for (int j = 0; j < 32; j++) y[j] = f16(b + 2 * j);
        break;
    case RAT_BF16:
        for (int j = 0; j < 32; j++) y[j] = bf16(b + 2 * j);
        break;
    default: // RAT_F32
        memcpy(y, b, 32 * sizeof(float));
        break;
    }
}

static ALWAYS_INLINE int block_size(int type) {
    switch (type) {
    case RAT_Q4_K: case RAT_Q5_K: case RAT_Q6_K: return 256;
    default: return 32;
    }
}

static ALWAYS_INLINE int block_bytes(int type) {
    switch (type) {
    case RAT_Q4_0: return 18;
    case RAT_Q4_1: return 20;
    case RAT_Q5_0: return 22;
    case RAT_Q5_1: return 24;
    case RAT_Q8_0: return 34;
    case RAT_Q4_K: return 144;
    case RAT_Q5_K: return 176;
    case RAT_Q6_K: return 210;
    case RAT_F16: case RAT_BF16: return 64;
    default: return 128;
    }
}

/// Dot products of `count` weight rows with `n` activation rows, the rows' blocks dequantized
/// one at a time. `type` and `n` are compile-time constants in every instance (see `RATE`), so
/// that the block's dequantization is straight-line code and the accumulators stay in registers.
static ALWAYS_INLINE void rows_times(int type, const uint8_t *w, long rowBytes, long count, long columns,
                                     const float *x, long ldx, int n, float *out, long ldo) {
    const int bs = block_size(type), bb = block_bytes(type);
    const long blocks = columns / bs;
    float tmp[BLOCK_MAX] __attribute__((aligned(64)));
    for (long r = 0; r < count; r++) {
        const uint8_t *row = w + r * rowBytes;
        // Two accumulators per activation row, so that consecutive FMAs do not wait on each other.
        f32x8 acc[ROWS_MAX][2];
        for (int i = 0; i < n; i++) acc[i][0] = acc[i][1] = (f32x8){0};
        for (long b = 0; b < blocks; b++) {
            dequantize_block(type, row + b * bb, tmp);
            for (int i = 0; i < n; i++) {
                const float *xi = x + i * ldx + b * bs;
                for (int j = 0; j < bs; j += 16) {
                    acc[i][0] += LOAD8(tmp + j) * LOAD8(xi + j);
                    acc[i][1] += LOAD8(tmp + j + 8) * LOAD8(xi + j + 8);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            f32x8 v = acc[i][0] + acc[i][1];
            float s = 0;
            for (int k = 0; k < 8; k++) s += v[k];
            out[i * ldo + r] = s;
        }
    }
}

/// Up to ROWS_MAX activation rows at a time, each count its own instance.
static ALWAYS_INLINE void rows_times_any(int type, const uint8_t *w, long rowBytes, long rows, long columns,
                                         const float *x, long ldx, long n, float *out, long ldo) {
    for (long i0 = 0; i0 < n; i0 += ROWS_MAX) {
        long m = n - i0 < ROWS_MAX ? n - i0 : ROWS_MAX;
        const float *xs = x + i0 * ldx;
        float *os = out + i0 * ldo;
        switch (m) {
        case 1: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 1, os, ldo); break;
        case 2: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 2, os, ldo); break;
        case 3: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 3, os, ldo); break;
        case 4: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 4, os, ldo); break;
        case 5: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 5, os, ldo); break;
        case 6: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 6, os, ldo); break;
        case 7: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 7, os, ldo); break;
        default: rows_times(type, w, rowBytes, rows, columns, xs, ldx, 8, os, ldo); break;
        }
    }
}

/// One activation row in the 32-element block types, by hand in AVX2 (quantized_rows_avx2.c):
/// 1 when done, 0 when the CPU or the type needs the generic kernel.
int rat_quantized_rows_avx2(int isa, int type, const void *weights, long rowBytes, long rows, long columns,
                            const float *x, float *out);

#define RATE(TYPE) rows_times_any(TYPE, w, rowBytes, rows, columns, x, ldx, n, out, ldo); break

RAT_QCLONES
void rat_quantized_matmul_isa(int isa, int type, const void *weights, long rowBytes, long rows, long columns,
                              const float *x, long ldx, long n, float *out, long ldo) {
    if (n == 1 && rat_quantized_rows_avx2(isa, type, weights, rowBytes, rows, columns, x, out)) return;
    const uint8_t *w = (const uint8_t *)weights;
    switch (type) {
    case RAT_Q4_0: RATE(RAT_Q4_0);
    case RAT_Q4_1: RATE(RAT_Q4_1);
    case RAT_Q5_0: RATE(RAT_Q5_0);
    case RAT_Q5_1: RATE(RAT_Q5_1);
    case RAT_Q8_0: RATE(RAT_Q8_0);
    case RAT_Q4_K: RATE(RAT_Q4_K);
    case RAT_Q5_K: RATE(RAT_Q5_K);
    case RAT_Q6_K: RATE(RAT_Q6_K);
    case RAT_F16: RATE(RAT_F16);
    case RAT_BF16: RATE(RAT_BF16);
    default: RATE(RAT_F32);
    }
}

void rat_quantized_matmul(int type, const void *weights, long rowBytes, long rows, long columns,
                          const float *x, long ldx, long n, float *out, long ldo) {
    rat_quantized_matmul_isa(RAT_ISA_AVX512, type, weights, rowBytes, rows, columns, x, ldx, n, out, ldo);
}

int rat_quantized_block_size(int type) { return block_size(type); }
int rat_quantized_block_bytes(int type) { return block_bytes(type); }

RAT_QCLONES
void rat_dequantize_rows(int type, const void *weights, long rowBytes, long rows, long columns, float *out) {
    const uint8_t *w = (const uint8_t *)weights;
    const int bs = block_size(type), bb = block_bytes(type);
    const long blocks = columns / bs;
    for (long r = 0; r < rows; r++)
        for (long b = 0; b < blocks; b++) dequantize_block(type, w + r * rowBytes + b * bb, out + r * columns + b * bs);
}
