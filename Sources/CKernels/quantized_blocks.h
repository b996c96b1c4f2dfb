// What the two quantized-product files share about GGUF's block layouts.
#ifndef RAT_QUANTIZED_BLOCKS_H
#define RAT_QUANTIZED_BLOCKS_H
#include <stdint.h>

/// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j of a Q4_K / Q5_K block.
static inline void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

#endif
