#ifndef RAT_KERNELS_H
#define RAT_KERNELS_H

/// In place: row[0..<count] = softmax(row[0..<count] * scale) in float32 (max subtracted).
/// With `keep` (one byte per key, 0 = padding), masked keys get probability 0; if every key is
/// masked the row is uniform.
void rat_softmax_row(float *row, int count, float scale, const unsigned char *keep);

/// In place: gate[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i].
void rat_silu_mul(float *gate, const float *up, long count);

/// 1 if every value is finite (no NaN, no infinity), else 0. Checks exponent bits, so it holds
/// under -ffast-math too.
int rat_all_finite(const float *values, long count);

/// destination[i] = the bfloat16 / float16 value at source + 2i (little-endian, any alignment),
/// exactly (F16C on x86-64-v3).
void rat_bf16_to_f32(const void *source, float *destination, long count);
void rat_f16_to_f32(const void *source, float *destination, long count);

/// In place: x[i] = act(x[i]); kind 0 SiLU, 1 GELU (tanh approximation), 2 GELU (erf).
void rat_activation(float *x, long count, int kind);

/// In place: a[i] *= b[i].
void rat_mul(float *a, const float *b, long count);

#endif
