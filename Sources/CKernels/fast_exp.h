// e^x in float32 for the kernels' softmax and activations (shared by kernels.c and
// tiled_attention.c, so that both softmaxes round alike).
#ifndef RAT_FAST_EXP_H
#define RAT_FAST_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/// e^x for x <= 88 (Cephes expf: x = n ln2 + r, polynomial in r; within 2 ulp). Below -87.3,
/// float32 exp underflows: 0.
static inline float rat_exp(float x) {
    float clamped = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
    float fx = floorf(clamped * 1.44269504088896341f + 0.5f);
    float r = clamped - fx * 0.693359375f;
    r = r - fx * -2.12194440e-4f;
    float z = r * r;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * z + r + 1.0f;
    int32_t n = (int32_t)fx;
    uint32_t bits = (uint32_t)(n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    float result = y * scale;
    return x < -87.3f ? 0.0f : result;
}

#endif
