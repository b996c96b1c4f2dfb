// The attention products of a generation step: a few query rows against the cached keys and
// values of one head. BLAS packs its operands for every call, which for a 3-row product costs
// more than the arithmetic; these loops read the keys and values once, in place.
#include "rat_kernels.h"
#include <string.h>

#include "target_clones.h"

typedef float f32x8 __attribute__((vector_size(32)));
#define LOAD8(p) ({ f32x8 v_; memcpy(&v_, (p), sizeof v_); v_; })

RAT_CLONES
void rat_small_qk(const float *q, int m, int dims, const float *k, long ldk, int keys, float *scores) {
    if (m > 8 || dims % 8 != 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < keys; j++) {
                float s = 0;
                for (int d = 0; d < dims; d++) s += q[i * dims + d] * k[j * ldk + d];
                scores[i * keys + j] = s;
            }
        return;
    }
    for (int j = 0; j < keys; j++) {
        const float *kj = k + j * ldk;
        f32x8 acc[8];
        for (int i = 0; i < m; i++) acc[i] = (f32x8){0};
        for (int d = 0; d < dims; d += 8) {
            f32x8 kv = LOAD8(kj + d);
            for (int i = 0; i < m; i++) acc[i] += LOAD8(q + i * dims + d) * kv;
        }
        for (int i = 0; i < m; i++) {
            float s = 0;
            for (int l = 0; l < 8; l++) s += acc[i][l];
            scores[i * keys + j] = s;
        }
    }
}

RAT_CLONES
void rat_small_pv(const float *p, int m, int keys, const float *v, long ldv, int dims, float *out) {
    for (int i = 0; i < m; i++) {
        float *o = out + i * dims;
        for (int d = 0; d < dims; d++) o[d] = 0;
        for (int j = 0; j < keys; j++) {
            float w = p[i * keys + j];
            const float *vj = v + j * ldv;
            for (int d = 0; d < dims; d++) o[d] += w * vj[d];
        }
    }
}
