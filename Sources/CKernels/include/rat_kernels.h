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

/// GGUF tensor types (ggml's type ids) the quantized products read.
enum {
    RAT_F32 = 0, RAT_F16 = 1, RAT_Q4_0 = 2, RAT_Q4_1 = 3, RAT_Q5_0 = 6, RAT_Q5_1 = 7, RAT_Q8_0 = 8,
    RAT_Q4_K = 12, RAT_Q5_K = 13, RAT_Q6_K = 14, RAT_BF16 = 30
};

/// Elements per block of `type` (32, or 256 for the K-quants; float types in runs of 32), and
/// the bytes such a block takes.
int rat_quantized_block_size(int type);
int rat_quantized_block_bytes(int type);

/// out[i * ldo + r] = Σ_c W[r][c] · x[i * ldx + c] for r < rows, i < n, where W's rows are
/// `rowBytes` apart, each `columns` elements (a whole number of blocks) of GGUF type `type`,
/// dequantized as ggml does. For passes of a few rows: each weight row is read once per 8 rows.
void rat_quantized_matmul(int type, const void *weights, long rowBytes, long rows, long columns,
                          const float *x, long ldx, long n, float *out, long ldo);

/// The instruction sets the hand-written one-row products use (`rat_quantized_isa`: the best
/// this CPU has). `rat_quantized_matmul_isa` is `rat_quantized_matmul` with at most `isa`, so
/// that tests check every path on one machine.
enum { RAT_ISA_GENERIC = 0, RAT_ISA_AVX2 = 1, RAT_ISA_AVX512 = 2 };
int rat_quantized_isa(void);
void rat_quantized_matmul_isa(int isa, int type, const void *weights, long rowBytes, long rows, long columns,
                              const float *x, long ldx, long n, float *out, long ldo);

/// out[r * columns + c] = W[r][c] for r < rows (the same dequantization, for a tile of rows).
void rat_dequantize_rows(int type, const void *weights, long rowBytes, long rows, long columns, float *out);

/// A generation step's attention products for one head group, without BLAS's packing:
/// scores[i * keys + j] = Σ_d q[i * dims + d] · k[j * ldk + d] (i < m), and
/// out[i * dims + d] = Σ_j p[i * keys + j] · v[j * ldv + d].
void rat_small_qk(const float *q, int m, int dims, const float *k, long ldk, int keys, float *scores);
void rat_small_pv(const float *p, int m, int keys, const float *v, long ldv, int dims, float *out);

/// One tile of keys of a block's attention, softmax computed online (flash attention's update).
/// `scores` holds `stacked` rows of `tileKeys` scores Q·Kᵀ (queries already scaled) for keys
/// firstKey..<firstKey+tileKeys; stacked row i is the query at position p = firstPosition + i % rows,
/// which attends keys max(0, p - window + 1)...p (window 0: from key 0). Each row's keys in the
/// tile (soft-capped when softcap > 0) become
/// e^(s - runningMax[i]) with the running maximum raised first; runningSum[i] adds them, and the
/// output row out[i * dims ...] (the sum of earlier tiles' P·V) is rescaled when the maximum rose.
/// Keys outside the row's range become 0. Start each row with runningMax = -FLT_MAX, runningSum =
/// 0 and out = 0; after the last tile add P·V of each tile into out, and divide out by runningSum.
void rat_online_softmax_tile(float *scores, int stacked, int rows, int tileKeys, int firstKey, int firstPosition,
                             int window, float softcap, float *runningMax, float *runningSum, float *out, int dims);

/// One worker's part of a pooled job.
typedef void (*rat_pool_task)(void *context, int worker);

/// Runs task(context, w) for w in 0..<workers at once (w = 0 on the calling thread) on the
/// process's worker pool and returns when all are done: 1. Returns 0 without running anything
/// when the pool is busy (a nested or concurrent call) or workers < 2: the caller runs it another way.
int rat_pool_run(int workers, rat_pool_task task, void *context);

#endif
