// The softmax step of attention computed one tile of keys at a time (the "online softmax" of
// flash attention): each query row keeps its running maximum and sum, and the output rows
// already accumulated are rescaled when a later tile raises the maximum. The score matrix of a
// block of rows never exists whole, so at long contexts it stays in cache.
#include "rat_kernels.h"
#include <math.h>

#include "target_clones.h"
#include "fast_exp.h"

RAT_QCLONES
void rat_online_softmax_tile(float *scores, int stacked, int rows, int tileKeys, int firstKey, int firstPosition,
                             int window, float softcap, float *runningMax, float *runningSum, float *out, int dims) {
    const float lowest = -3.402823466e+38f; // -FLT_MAX: -ffast-math assumes no infinities
    for (int i = 0; i < stacked; i++) {
        int position = firstPosition + i % rows;
        int first = window > 0 && position - window + 1 > 0 ? position - window + 1 : 0;
        int lo = first - firstKey, hi = position - firstKey;
        if (lo < 0) lo = 0;
        if (hi > tileKeys - 1) hi = tileKeys - 1;
        float *row = scores + (long)i * tileKeys;
        if (hi < lo) { // none of this row's keys are in the tile
            for (int j = 0; j < tileKeys; j++) row[j] = 0;
            continue;
        }
        for (int j = 0; j < lo; j++) row[j] = 0;
        for (int j = hi + 1; j < tileKeys; j++) row[j] = 0;
        if (softcap > 0) {
            for (int j = lo; j <= hi; j++) row[j] = softcap * tanhf(row[j] / softcap);
        }
        float m = lowest;
        for (int j = lo; j <= hi; j++) m = row[j] > m ? row[j] : m;
        float previous = runningMax[i];
        float next = m > previous ? m : previous;
        float sum = 0.0f;
        for (int j = lo; j <= hi; j++) {
            float e = rat_exp(row[j] - next);
            row[j] = e;
            sum += e;
        }
        if (next > previous) {
            float factor = rat_exp(previous - next);
            float *o = out + (long)i * dims;
            for (int d = 0; d < dims; d++) o[d] *= factor;
            runningSum[i] = runningSum[i] * factor + sum;
            runningMax[i] = next;
        } else {
            runningSum[i] += sum;
        }
    }
}
