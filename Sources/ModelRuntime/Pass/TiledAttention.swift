import CKernels

/// Attention over long contexts a tile of keys at a time (flash attention's scheme, on the CPU).
///
/// `attentionBlock` multiplies a block's stacked queries by all of its keys at once, softmaxes the
/// whole score rows and multiplies them by the values. At 8,192 keys and more those score rows
/// (`group · rows × keys` floats, 50 MB at 32,768 keys) no longer fit in cache, and the softmax
/// and the second product read them back from memory. Here each tile of `keysPerTile` keys is
/// scored, softmaxed against the running maximum and multiplied into the output while it is
/// still in cache; the output rows are rescaled when a later tile raises a row's maximum, and
/// divided by the row's sum at the end.
///
/// The result differs from the whole-row softmax by float rounding only (the sum is added in a
/// different order). Layers whose probabilities are kept (captured, streamed, or searched for
/// candidates) and rows with knocked-out keys or padding take the whole-row path, so every
/// probability rat reports is computed exactly as before; the tiles only carry the context
/// through the other layers.
extension ForwardPass {
    /// Whether a block of `width` keys is tiled, given what the layer keeps.
    func tilesAttention(width: Int, keepsProbabilities: Bool, masked: Bool, small: Bool) -> Bool {
        guard let tiling else { return false }
        return width >= tiling.fromKeys && !keepsProbabilities && !masked && !small
    }

    /// One head group of one block of query rows: `stacked` holds the group's queries
    /// `[group · rows][headDim]` on entry and their attention outputs on return. Row `r` of the
    /// block is the query at position `firstPosition + r`; `keys` are the keys the block's rows
    /// attend (each row its own causal, windowed part of them).
    func tiledAttention(
        _ stacked: UnsafeMutablePointer<Float>, stackedRows: Int, rows: Int, firstPosition: Int, kvHead: Int, layer: Int,
        worker: Int, keys: Range<Int>
    ) {
        let hd = c.headDim, kvStride = c.kvHeadCount * hd
        let keyStore = self.keys(layer) + kvHead * hd, valueStore = values(layer) + kvHead * hd
        let tile = tiling!.keysPerTile, scores = scores[worker].pointer, out = tileOutput[worker].pointer
        let runningMax = tileState[worker].pointer, runningSum = runningMax + stackedRows
        out.update(repeating: 0, count: stackedRows * hd)
        runningMax.update(repeating: -Float.greatestFiniteMagnitude, count: stackedRows)
        runningSum.update(repeating: 0, count: stackedRows)
        // The scale goes into the queries, once per block instead of once per score.
        let scale = block.attentionScale, softcap = block.attentionSoftcap ?? 0
        for i in 0..<(stackedRows * hd) { stacked[i] *= scale }
        let window = Int32(layers[layer].window ?? 0)
        for k0 in stride(from: keys.lowerBound, to: keys.upperBound, by: tile) {
            let width = min(tile, keys.upperBound - k0)
            BLAS.matmulTransposedB(stacked, keyStore + k0 * kvStride, scores, m: stackedRows, n: width, k: hd,
                                   lda: hd, ldb: kvStride, ldc: width)
            rat_online_softmax_tile(scores, Int32(stackedRows), Int32(rows), Int32(width), Int32(k0), Int32(firstPosition), window,
                                    softcap, runningMax, runningSum, out, Int32(hd))
            BLAS.matmul(scores, valueStore + k0 * kvStride, out, m: stackedRows, n: hd, k: width,
                        lda: width, ldb: kvStride, ldc: hd, accumulate: true)
        }
        for i in 0..<stackedRows {
            let inverse = 1 / runningSum[i], src = out + i * hd, dst = stacked + i * hd
            for d in 0..<hd { dst[d] = src[d] * inverse }
        }
    }
}

/// When a forward pass computes attention a tile of keys at a time (see `TiledAttention`).
struct AttentionTiling: Equatable, Sendable {
    /// Blocks of query rows attending at least this many keys are tiled.
    var fromKeys: Int
    /// Keys per tile.
    var keysPerTile: Int

    /// Tiles of 256 keys (a 384-row stacked block's scores, 384 KB, stay in a core's L2) from
    /// 2,048 keys on: shorter score rows stay in cache anyway, and their attention is computed
    /// exactly as before (the whole row softmaxed at once, as transformers' eager attention does).
    static let `default` = AttentionTiling(fromKeys: 2048, keysPerTile: 256)
}
