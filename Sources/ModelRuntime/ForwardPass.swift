import CKernels
import Foundation

/// One forward pass over one sequence, readable top to bottom (in the spirit of llama2.c's
/// `forward`): named activation buffers, every matrix product through BLAS.
///
/// Each layer is three stages, each split over the cores once:
/// 1. rows (each worker its own positions): norm, q/k/v projections, rotary embedding;
/// 2. attention, in blocks of query rows handed out to whichever worker is free, so memory
///    grows linearly with the sequence length;
/// 3. rows: output projection, residual, norm, MLP, residual.
/// Stages 1 and 3 are row-local, so workers never wait on each other inside a stage. Each worker
/// calls single-threaded BLAS: OpenBLAS's own threads would spin (sched_yield) between the many
/// mid-sized products of a pass and fight rat's workers for the cores (measured: 0.62 s instead
/// of 0.81–0.97 s at 512 tokens on 2 cores).
final class ForwardPass {
    let model: CausalLanguageModel
    let c: ModelConfig
    let n: Int
    /// One byte per position, 0 = padding that no query may attend to; empty = no padding.
    let keyMask: [UInt8]
    let workers: Int
    /// Each worker's positions in the row-local stages.
    let rowRanges: [Range<Int>]
    /// Query rows per attention block: small enough that every worker gets several blocks.
    let blockRows: Int

    // Activations, row-major [n][...].
    let x: FloatBuffer              // residual stream [n][hidden]
    let xb: FloatBuffer             // normed input / sublayer output [n][hidden]
    let q: FloatBuffer              // queries [n][heads * headDim]
    let k: FloatBuffer              // keys [n][kvHeads * headDim]
    let v: FloatBuffer              // values [n][kvHeads * headDim]
    let attentionOut: FloatBuffer   // [n][heads * headDim]
    let gate: FloatBuffer           // [n][intermediate]
    let up: FloatBuffer             // [n][intermediate]
    /// Per worker: attention probabilities of one block of query rows of one head group against
    /// its keys [group · blockRows][keys], and that block's queries, then outputs [group · blockRows][headDim].
    let scores: [FloatBuffer]
    let groupBlock: [FloatBuffer]
    /// Dequantized weights of the current layer when weights are streamed.
    let layerScratch: FloatBuffer?
    /// Rotary tables [n][headDim / 2].
    let cosines: [Float], sines: [Float]

    init(model: CausalLanguageModel, ids: [Int], attentionMask: [Bool]? = nil) throws(ModelError) {
        self.model = model
        c = model.config
        n = ids.count
        keyMask = attentionMask.map { mask in mask.prefix(ids.count).map { $0 ? 1 : 0 } } ?? []
        workers = max(1, min(model.threads ?? computeThreads, n / 16))
        rowRanges = evenRanges(n, parts: workers)
        blockRows = max(16, min(128, n / (4 * workers)))
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        x = FloatBuffer(n * c.hiddenSize)
        xb = FloatBuffer(n * c.hiddenSize)
        q = FloatBuffer(n * qWidth)
        attentionOut = FloatBuffer(n * qWidth)
        k = FloatBuffer(n * kvWidth)
        v = FloatBuffer(n * kvWidth)
        gate = FloatBuffer(n * c.intermediateSize)
        up = FloatBuffer(n * c.intermediateSize)
        let group = c.headCount / c.kvHeadCount, rows = min(n, blockRows), n = self.n, headDim = c.headDim
        scores = (0..<workers).map { _ in FloatBuffer(group * rows * n) }
        groupBlock = (0..<workers).map { _ in FloatBuffer(group * rows * headDim) }
        layerScratch = model.floatWeights.startPass() ? FloatBuffer(model.floatWeights.layerScratchCount) : nil
        (cosines, sines) = Self.rotaryTables(positions: n, headDim: c.headDim, theta: c.ropeTheta)

        // Token embeddings (row lookups, read in place from the file).
        let embedding = try model.weights.tensor(model.names.embedding)
        for (i, id) in ids.enumerated() { try embedding.dequantizeRow(id, into: x.pointer + i * c.hiddenSize) }
    }

    // MARK: The pass

    /// Runs layers 0...captureLayer and returns that layer's attention.
    func run(captureLayer: Int, aggregation: HeadAggregation) throws(ModelError) -> AttentionCapture {
        for layer in 0..<captureLayer {
            let w = try weights(layer)
            attentionInputs(w, values: true)
            _ = attention(capture: nil, layer: layer, computeOutput: true)
            outputAndMLP(w)
        }
        // The captured layer stops at its attention probabilities: nothing after them can
        // change them, so its values, attention output and MLP are skipped.
        let w = try weights(captureLayer)
        attentionInputs(w, values: false)
        return attention(capture: aggregation, layer: captureLayer, computeOutput: false)!
    }

    func runAllLayers(aggregation: HeadAggregation) throws(ModelError) -> [AttentionCapture] {
        var all: [AttentionCapture] = []
        for layer in 0..<c.layerCount {
            let w = try weights(layer)
            let last = layer + 1 == c.layerCount
            attentionInputs(w, values: !last)
            all.append(attention(capture: aggregation, layer: layer, computeOutput: !last)!)
            if !last { outputAndMLP(w) }
        }
        return all
    }

    func runToLogits() throws(ModelError) -> (hiddenStates: [Float], logits: [Float]) {
        for layer in 0..<c.layerCount {
            let w = try weights(layer)
            attentionInputs(w, values: true)
            _ = attention(capture: nil, layer: layer, computeOutput: true)
            outputAndMLP(w)
        }
        let gain = try model.floatWeights.floats(model.names.finalNorm)
        let headName = model.names.output ?? model.names.embedding
        // A streaming pass dequantizes the LM head for this pass only.
        let headCount = layerScratch == nil ? 0 : try model.floatWeights.scratchCount(headName)
        let temporary = headCount > 0 ? FloatBuffer(headCount) : nil
        var headScratch = temporary?.pointer
        let head = try model.floatWeights.floats(headName, scratch: &headScratch)
        var logits = [Float](repeating: 0, count: n * c.vocabularySize)
        let (hidden, vocabulary) = (c.hiddenSize, c.vocabularySize)
        logits.withUnsafeMutableBufferPointer { logits in
            let out = logits.baseAddress!
            parallelWorkers(workers) { worker in
                let rows = rowRanges[worker]
                rmsNorm(rows, x, into: xb, gain: gain)
                BLAS.matmulTransposedB(xb.pointer + rows.lowerBound * hidden, head, out + rows.lowerBound * vocabulary,
                                       m: rows.count, n: vocabulary, k: hidden)
            }
        }
        return (Array(xb.buffer), logits)
    }

    private func weights(_ layer: Int) throws(ModelError) -> LayerWeights {
        try model.floatWeights.layer(layer, scratch: layerScratch?.pointer)
    }

    // MARK: Stages

    /// Stage 1, rows split over the workers: xb = RMSNorm(x); q, k (and v) projections; rotary.
    private func attentionInputs(_ w: LayerWeights, values: Bool) {
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim, hidden = c.hiddenSize
        parallelWorkers(workers) { worker in
            let rows = rowRanges[worker]
            rmsNorm(rows, x, into: xb, gain: w.attentionNorm)
            linear(rows, xb, hidden, w.query, bias: w.queryBias, into: q, qWidth)
            linear(rows, xb, hidden, w.key, bias: w.keyBias, into: k, kvWidth)
            if values { linear(rows, xb, hidden, w.value, bias: w.valueBias, into: v, kvWidth) }
            rotary(rows, q, heads: c.headCount)
            rotary(rows, k, heads: c.kvHeadCount)
        }
    }

    /// Stage 3, rows split over the workers: h = x + o_proj(attention);
    /// x = h + down(silu(gate(RMSNorm(h))) * up(RMSNorm(h))).
    private func outputAndMLP(_ w: LayerWeights) {
        let qWidth = c.headCount * c.headDim, hidden = c.hiddenSize, inner = c.intermediateSize
        parallelWorkers(workers) { worker in
            let rows = rowRanges[worker]
            linear(rows, attentionOut, qWidth, w.attentionOutput, bias: nil, into: xb, hidden)
            add(rows, xb, into: x, width: hidden)
            rmsNorm(rows, x, into: xb, gain: w.mlpNorm)
            linear(rows, xb, hidden, w.gate, bias: nil, into: gate, inner)
            linear(rows, xb, hidden, w.up, bias: nil, into: up, inner)
            rat_silu_mul(gate.pointer + rows.lowerBound * inner, up.pointer + rows.lowerBound * inner, rows.count * inner)
            linear(rows, gate, inner, w.down, bias: nil, into: xb, hidden)
            add(rows, xb, into: x, width: hidden)
        }
    }

    /// Stage 2: causal softmax attention, blocks of query rows handed out to free workers (the
    /// longest first). Returns the captured probabilities when `capture` is set.
    private func attention(capture: HeadAggregation?, layer: Int, computeOutput: Bool) -> AttentionCapture? {
        var kept: [Float] = []
        if let capture { kept = [Float](repeating: 0, count: (capture == .none ? c.headCount : 1) * n * n) }
        let blocks = stride(from: 0, to: n, by: blockRows).map { $0..<min($0 + blockRows, n) }.reversed() as [Range<Int>]
        let queue = WorkQueue(count: blocks.count)
        kept.withUnsafeMutableBufferPointer { kept in
            keyMask.withUnsafeBufferPointer { mask in
                let keep = mask.isEmpty ? nil : mask.baseAddress
                let keptBase = kept.baseAddress
                parallelWorkers(workers) { worker in
                    while let item = queue.next() {
                        attentionBlock(blocks[item], worker: worker, keep: keep, capture: capture, kept: keptBase,
                                       computeOutput: computeOutput)
                    }
                }
            }
        }
        guard let capture else { return nil }
        return AttentionCapture(layer: layer, heads: capture == .none ? c.headCount : 1, size: n, values: kept, aggregation: capture)
    }

    /// One block of query rows, every head. The query heads that share a key/value head
    /// (grouped-query attention) are stacked, so each head group is two large matrix products
    /// instead of several small ones: scores = Q Kᵀ · head_dim^-½ (keys up to the block's last
    /// row), masked, softmaxed in float32 as transformers' eager attention does, then out = P V.
    private func attentionBlock(
        _ block: Range<Int>, worker: Int, keep: UnsafePointer<UInt8>?, capture: HeadAggregation?,
        kept: UnsafeMutablePointer<Float>?, computeOutput: Bool
    ) {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let qStride = heads * hd, kvStride = c.kvHeadCount * hd
        let scale = 1 / Float(hd).squareRoot()
        let r0 = block.lowerBound, rows = block.count, keys = block.upperBound
        let s = scores[worker].pointer, stacked = groupBlock[worker].pointer
        for kvHead in 0..<c.kvHeadCount {
            // stacked[(g · rows + r)][hd] = Q[r0 + r, head kvHead · group + g]
            for g in 0..<group {
                let head = kvHead * group + g
                for r in 0..<rows {
                    (stacked + (g * rows + r) * hd).update(from: q.pointer + (r0 + r) * qStride + head * hd, count: hd)
                }
            }
            // scores[group · rows][keys] = stacked · K[0..<keys, kvHead]ᵀ
            BLAS.matmulTransposedB(stacked, k.pointer + kvHead * hd, s, m: group * rows, n: keys, k: hd,
                                   lda: hd, ldb: kvStride, ldc: keys)
            for r in 0..<rows {
                let query = r0 + r
                for g in 0..<group {
                    let h = kvHead * group + g
                    let row = s + (g * rows + r) * keys
                    rat_softmax_row(row, Int32(query + 1), scale, keep)
                    if query + 1 < keys { (row + query + 1).update(repeating: 0, count: keys - query - 1) }
                    guard let capture, let kept else { continue }
                    switch capture {
                    case .none:
                        (kept + (h * n + query) * n).update(from: row, count: query + 1)
                    case .mean:
                        // Heads are added in order, as torch's mean does.
                        let dst = kept + query * n
                        for j in 0...query { dst[j] += row[j] }
                    case .max:
                        let dst = kept + query * n
                        if h == 0 {
                            dst.update(from: row, count: query + 1)
                        } else {
                            for j in 0...query { dst[j] = max(dst[j], row[j]) }
                        }
                    }
                }
            }
            guard computeOutput else { continue }
            // stacked[group · rows][hd] = P · V[0..<keys, kvHead], then back into the heads' columns.
            BLAS.matmul(s, v.pointer + kvHead * hd, stacked, m: group * rows, n: hd, k: keys,
                        lda: keys, ldb: kvStride, ldc: hd)
            for g in 0..<group {
                let head = kvHead * group + g
                for r in 0..<rows {
                    (attentionOut.pointer + (r0 + r) * qStride + head * hd).update(from: stacked + (g * rows + r) * hd, count: hd)
                }
            }
        }
        if capture == .mean, let kept {
            let divisor = Float(heads)
            for query in block {
                let dst = kept + query * n
                for j in 0...query { dst[j] /= divisor }
            }
        }
    }

    // MARK: Building blocks (each on the rows `rows` only)

    /// out[rows][outputs] = input[rows][inputs] · Wᵀ (+ b).
    private func linear(
        _ rows: Range<Int>, _ input: FloatBuffer, _ inputs: Int, _ weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, into output: FloatBuffer, _ outputs: Int
    ) {
        let out = output.pointer + rows.lowerBound * outputs
        BLAS.matmulTransposedB(input.pointer + rows.lowerBound * inputs, weight, out, m: rows.count, n: outputs, k: inputs)
        guard let bias else { return }
        for r in 0..<rows.count {
            let row = out + r * outputs
            for j in 0..<outputs { row[j] += bias[j] }
        }
    }

    /// out = x / sqrt(mean(x²) + eps) · w, per row (transformers' LlamaRMSNorm, in float32).
    private func rmsNorm(_ rows: Range<Int>, _ input: FloatBuffer, into output: FloatBuffer, gain: UnsafePointer<Float>) {
        let d = c.hiddenSize, eps = c.rmsNormEpsilon
        for r in rows {
            let row = input.pointer + r * d, dst = output.pointer + r * d
            var sum: Float = 0
            for j in 0..<d { sum += row[j] * row[j] }
            let inverse = 1 / (sum / Float(d) + eps).squareRoot()
            for j in 0..<d { dst[j] = gain[j] * (row[j] * inverse) }
        }
    }

    /// Rotary position embedding on every head of `t` ([n][heads * headDim]).
    private func rotary(_ rows: Range<Int>, _ t: FloatBuffer, heads: Int) {
        let hd = c.headDim, half = hd / 2, interleaved = model.interleavedRotary
        let width = heads * hd
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                for p in rows {
                    let cs = cosines.baseAddress! + p * half, sn = sines.baseAddress! + p * half
                    for h in 0..<heads {
                        let base = t.pointer + p * width + h * hd
                        for i in 0..<half {
                            let (a, b) = interleaved ? (2 * i, 2 * i + 1) : (i, i + half)
                            let x1 = base[a], x2 = base[b]
                            base[a] = x1 * cs[i] - x2 * sn[i]
                            base[b] = x2 * cs[i] + x1 * sn[i]
                        }
                    }
                }
            }
        }
    }

    /// cos and sin of position · θ^(-2i/d), computed in float32 as transformers does.
    static func rotaryTables(positions: Int, headDim: Int, theta: Float) -> ([Float], [Float]) {
        let half = headDim / 2
        let inverseFrequency = (0..<half).map { i in 1 / pow(theta, Float(2 * i) / Float(headDim)) }
        var cosines = [Float](repeating: 0, count: positions * half), sines = cosines
        for p in 0..<positions {
            for i in 0..<half {
                let angle = Float(p) * inverseFrequency[i]
                cosines[p * half + i] = cos(angle)
                sines[p * half + i] = sin(angle)
            }
        }
        return (cosines, sines)
    }

    private func add(_ rows: Range<Int>, _ delta: FloatBuffer, into x: FloatBuffer, width: Int) {
        let d = delta.pointer, x = x.pointer
        for i in (rows.lowerBound * width)..<(rows.upperBound * width) { x[i] += d[i] }
    }
}

/// A fixed-size float32 buffer shared by the workers of a pass (each writes its own part).
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    var buffer: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: pointer, count: count) }
}
