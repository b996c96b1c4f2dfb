// Elementwise kernels of the forward pass, in C so that clang vectorizes them (Swift's generic
// SIMD types do not, on Linux). Built for AVX2+FMA and baseline x86-64 (chosen at load time).
#include "rat_kernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "target_clones.h"
#include "fast_exp.h"

RAT_CLONES
void rat_softmax_row(float *row, int count, float scale, const unsigned char *keep) {
    const float lowest = -3.402823466e+38f; // -FLT_MAX: -ffast-math assumes no infinities
    float m = lowest;
    if (keep) {
        for (int i = 0; i < count; i++) row[i] = keep[i] ? row[i] * scale : lowest;
    } else {
        for (int i = 0; i < count; i++) row[i] *= scale;
    }
    for (int i = 0; i < count; i++) m = row[i] > m ? row[i] : m;
    float sum = 0.0f;
    for (int i = 0; i < count; i++) {
        float e = rat_exp(row[i] - m);
        row[i] = e;
        sum += e;
    }
    float inverse = 1.0f / sum;
    for (int i = 0; i < count; i++) row[i] *= inverse;
}

RAT_CLONES
void rat_silu_mul(float *gate, const float *up, long count) {
    for (long i = 0; i < count; i++) {
        float g = gate[i];
        gate[i] = g / (1.0f + rat_exp(-g)) * up[i];
    }
}

RAT_CLONES
int rat_all_finite(const float *values, long count) {
    const uint32_t *bits = (const uint32_t *)values;
    uint32_t bad = 0;
    for (long i = 0; i < count; i++) bad |= (uint32_t)((bits[i] & 0x7f800000u) == 0x7f800000u);
    return bad == 0;
}

RAT_CLONES
void rat_bf16_to_f32(const void *source, float *destination, long count) {
    const unsigned char *bytes = (const unsigned char *)source;
    for (long i = 0; i < count; i++) {
        uint16_t h;
        memcpy(&h, bytes + 2 * i, sizeof h);
        uint32_t bits = (uint32_t)h << 16;
        memcpy(destination + i, &bits, sizeof bits);
    }
}

RAT_CLONES
void rat_f16_to_f32(const void *source, float *destination, long count) {
    const unsigned char *bytes = (const unsigned char *)source;
    for (long i = 0; i < count; i++) {
        _Float16 h;
        memcpy(&h, bytes + 2 * i, sizeof h);
        destination[i] = (float)h;
    }
}

RAT_CLONES
void rat_activation(float *x, long count, int kind) {
    switch (kind) {
    case 0: // SiLU
        for (long i = 0; i < count; i++) x[i] = x[i] / (1.0f + rat_exp(-x[i]));
        break;
    case 1: // GELU, tanh approximation
        for (long i = 0; i < count; i++) {
            float v = x[i];
            x[i] = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
        }
        break;
    default: // GELU with erf
        for (long i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.7071067811865476f));
        break;
    }
}

RAT_CLONES
void rat_mul(float *a, const float *b, long count) {
    for (long i = 0; i < count; i++) a[i] *= b[i];
}
