import CKernels
import Foundation

/// One forward pass over one sequence, readable top to bottom (in the spirit of llama2.c's
/// `forward`): named scratch buffers, every matrix product through BLAS, attention computed in
/// blocks of query rows so memory grows linearly with the sequence length.
final class ForwardPass {
    let model: CausalLanguageModel
    let c: ModelConfig
    let ids: [Int]
    let n: Int
    /// One byte per position, 0 = padding that no query may attend to; empty = no padding.
    let keyMask: [UInt8]

    // Activations, row-major [n][...].
    var x: [Float]          // residual stream [n][hidden]
    var xb: [Float]         // normed input / sublayer output [n][hidden]
    var q: [Float]          // queries [n][heads * headDim]
    var k: [Float]          // keys [n][kvHeads * headDim]
    var v: [Float]          // values [n][kvHeads * headDim]
    var attentionOut: [Float]  // [n][heads * headDim]
    var gate: [Float]       // [n][intermediate]
    var up: [Float]         // [n][intermediate]
    /// Attention probabilities of one block of query rows of one head group against all keys
    /// [group · blockRows][n].
    var scores: [Float]
    /// One block's queries, then its outputs, for one head group [group · blockRows][headDim].
    var groupBlock: [Float]
    /// Dequantized weights of the matrix in use (reused for every matrix).
    var weight: [Float]
    var bias: [Float]
    /// Rotary tables [n][headDim / 2].
    var cosines: [Float], sines: [Float]

    /// Query rows per attention block.
    static let blockRows = 128

    init(model: CausalLanguageModel, ids: [Int], attentionMask: [Bool]? = nil) throws(ModelError) {
        self.model = model
        c = model.config
        self.ids = ids
        n = ids.count
        keyMask = attentionMask.map { mask in mask.prefix(ids.count).map { $0 ? 1 : 0 } } ?? []
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        x = [Float](repeating: 0, count: n * c.hiddenSize)
        xb = x
        q = [Float](repeating: 0, count: n * qWidth)
        attentionOut = q
        k = [Float](repeating: 0, count: n * kvWidth)
        v = k
        gate = [Float](repeating: 0, count: n * c.intermediateSize)
        up = gate
        let group = c.headCount / c.kvHeadCount
        scores = [Float](repeating: 0, count: group * min(n, Self.blockRows) * n)
        groupBlock = [Float](repeating: 0, count: group * min(n, Self.blockRows) * c.headDim)
        weight = [Float](repeating: 0, count: max(qWidth, c.intermediateSize, c.hiddenSize) * max(c.hiddenSize, c.intermediateSize, qWidth))
        bias = [Float](repeating: 0, count: max(qWidth, kvWidth))
        (cosines, sines) = Self.rotaryTables(positions: n, headDim: c.headDim, theta: c.ropeTheta)

        // Token embeddings.
        let embedding = try model.weights.tensor(model.names.embedding)
        let hidden = c.hiddenSize
        try x.withUnsafeMutableBufferPointer { (out) throws(ModelError) in
            for (i, id) in ids.enumerated() { try embedding.dequantizeRow(id, into: out.baseAddress! + i * hidden) }
        }
    }

    // MARK: The pass

    /// Runs layers 0...captureLayer and returns that layer's attention.
    func run(captureLayer: Int, aggregation: HeadAggregation) throws(ModelError) -> AttentionCapture {
        var captured: AttentionCapture?
        for layer in 0...captureLayer {
            let names = model.names.layer(layer)
            // The captured layer stops at its attention: nothing after it can change that.
            let last = layer == captureLayer
            try attentionBlock(names, capture: last ? aggregation : nil, captured: &captured, layer: layer, projectOutput: !last)
            if last { break }
            try mlpBlock(names)
        }
        return captured!
    }

    func runAllLayers(aggregation: HeadAggregation) throws(ModelError) -> [AttentionCapture] {
        var all: [AttentionCapture] = []
        for layer in 0..<c.layerCount {
            let names = model.names.layer(layer)
            var captured: AttentionCapture?
            try attentionBlock(names, capture: aggregation, captured: &captured, layer: layer, projectOutput: true)
            all.append(captured!)
            if layer + 1 < c.layerCount { try mlpBlock(names) }
        }
        return all
    }

    func runToLogits() throws(ModelError) -> (hiddenStates: [Float], logits: [Float]) {
        var unused: AttentionCapture?
        for layer in 0..<c.layerCount {
            let names = model.names.layer(layer)
            try attentionBlock(names, capture: nil, captured: &unused, layer: layer, projectOutput: true)
            try mlpBlock(names)
        }
        try rmsNorm(from: x, into: &xb, weightName: model.names.finalNorm)
        let head = try model.weights.tensor(model.names.output ?? model.names.embedding)
        var logits = [Float](repeating: 0, count: n * c.vocabularySize)
        var full = [Float](repeating: 0, count: head.elementCount)
        try full.withUnsafeMutableBufferPointer { (w) throws(ModelError) in try head.dequantize(into: w.baseAddress!) }
        BLAS.matmulTransposedB(xb, full, &logits, m: n, n: c.vocabularySize, k: c.hiddenSize)
        return (xb, logits)
    }

    /// h = x + Attention(RMSNorm(x)).
    private func attentionBlock(
        _ names: LayerTensorNames, capture: HeadAggregation?, captured: inout AttentionCapture?, layer: Int,
        projectOutput: Bool
    ) throws(ModelError) {
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        try rmsNorm(from: x, into: &xb, weightName: names.attentionNorm)
        try linear(xb, names.query, into: &q, outputs: qWidth, inputs: c.hiddenSize, biasName: c.attentionBias ? names.queryBias : nil)
        try linear(xb, names.key, into: &k, outputs: kvWidth, inputs: c.hiddenSize, biasName: c.attentionBias ? names.keyBias : nil)
        try linear(xb, names.value, into: &v, outputs: kvWidth, inputs: c.hiddenSize, biasName: c.attentionBias ? names.valueBias : nil)
        applyRotary(&q, heads: c.headCount)
        applyRotary(&k, heads: c.kvHeadCount)
        captured = attention(capture: capture, layer: layer)
        guard projectOutput else { return }
        try linear(attentionOut, names.attentionOutput, into: &xb, outputs: c.hiddenSize, inputs: qWidth, biasName: nil)
        add(xb, into: &x)
    }

    /// x = h + MLP(RMSNorm(h)), MLP(y) = down(silu(gate(y)) * up(y)).
    private func mlpBlock(_ names: LayerTensorNames) throws(ModelError) {
        try rmsNorm(from: x, into: &xb, weightName: names.mlpNorm)
        try linear(xb, names.gate, into: &gate, outputs: c.intermediateSize, inputs: c.hiddenSize, biasName: nil)
        try linear(xb, names.up, into: &up, outputs: c.intermediateSize, inputs: c.hiddenSize, biasName: nil)
        gate.withUnsafeMutableBufferPointer { g in
            up.withUnsafeBufferPointer { u in
                parallelChunks(g.count) { range in
                    rat_silu_mul(g.baseAddress! + range.lowerBound, u.baseAddress! + range.lowerBound, range.count)
                }
            }
        }
        try linear(gate, names.down, into: &xb, outputs: c.hiddenSize, inputs: c.intermediateSize, biasName: nil)
        add(xb, into: &x)
    }

    /// Causal softmax attention, one key/value head and one block of query rows at a time.
    /// The query heads that share a key/value head (grouped-query attention) are stacked, so
    /// each block is two large matrix products instead of several small ones:
    /// scores = Q Kᵀ · head_dim^-½ (keys up to the block's last row), masked, softmaxed in
    /// float32 as transformers' eager attention does, then out = P V.
    private func attention(capture: HeadAggregation?, layer: Int) -> AttentionCapture? {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let qStride = heads * hd, kvStride = c.kvHeadCount * hd
        let scale = 1 / Float(hd).squareRoot()
        var kept: [Float] = []
        if let capture { kept = [Float](repeating: 0, count: (capture == .none ? heads : 1) * n * n) }
        let n = self.n
        keyMask.withUnsafeBufferPointer { keepBuffer in
        let keep: UnsafeBufferPointer<UInt8>? = keepBuffer.isEmpty ? nil : keepBuffer
        q.withUnsafeBufferPointer { q in
        k.withUnsafeBufferPointer { k in
        v.withUnsafeBufferPointer { v in
        attentionOut.withUnsafeMutableBufferPointer { out in
        scores.withUnsafeMutableBufferPointer { s in
        groupBlock.withUnsafeMutableBufferPointer { block in
        kept.withUnsafeMutableBufferPointer { kept in
            for kvHead in 0..<c.kvHeadCount {
                var r0 = 0
                while r0 < n {
                    let r1 = min(r0 + Self.blockRows, n)
                    let rows = r1 - r0, keys = r1
                    // block[(g · rows + r)][hd] = Q[r0 + r, head kvHead · group + g]
                    for g in 0..<group {
                        let head = kvHead * group + g
                        for r in 0..<rows {
                            (block.baseAddress! + (g * rows + r) * hd).update(
                                from: q.baseAddress! + (r0 + r) * qStride + head * hd, count: hd)
                        }
                    }
                    // scores[group · rows][keys] = block · K[0..<keys, kvHead]ᵀ
                    BLAS.matmulTransposedB(
                        block.baseAddress!, k.baseAddress! + kvHead * hd, s.baseAddress!,
                        m: group * rows, n: keys, k: hd, lda: hd, ldb: kvStride, ldc: keys)
                    // One query row per worker, its heads in order (the mean adds heads in order).
                    parallelChunks(rows) { range in
                        for r in range {
                            let query = r0 + r
                            for g in 0..<group {
                                let h = kvHead * group + g
                                let row = s.baseAddress! + (g * rows + r) * keys
                                rat_softmax_row(row, Int32(query + 1), scale, keep?.baseAddress)
                                for j in (query + 1)..<max(keys, query + 1) { row[j] = 0 }
                                guard let capture else { continue }
                                switch capture {
                                case .none:
                                    (kept.baseAddress! + (h * n + query) * n).update(from: row, count: query + 1)
                                case .mean:
                                    let dst = kept.baseAddress! + query * n
                                    for j in 0...query { dst[j] += row[j] }
                                case .max:
                                    let dst = kept.baseAddress! + query * n
                                    if h == 0 {
                                        dst.update(from: row, count: query + 1)
                                    } else {
                                        for j in 0...query { dst[j] = max(dst[j], row[j]) }
                                    }
                                }
                            }
                        }
                    }
                    // block[group · rows][hd] = P · V[0..<keys, kvHead], then back into the heads' columns.
                    BLAS.matmul(
                        s.baseAddress!, v.baseAddress! + kvHead * hd, block.baseAddress!,
                        m: group * rows, n: hd, k: keys, lda: keys, ldb: kvStride, ldc: hd)
                    for g in 0..<group {
                        let head = kvHead * group + g
                        for r in 0..<rows {
                            (out.baseAddress! + (r0 + r) * qStride + head * hd).update(
                                from: block.baseAddress! + (g * rows + r) * hd, count: hd)
                        }
                    }
                    r0 = r1
                }
            }
            if capture == .mean {
                let divisor = Float(heads)
                parallelChunks(kept.count) { range in for i in range { kept[i] /= divisor } }
            }
        }
        }
        }
        }
        }
        }
        }
        }
        guard let capture else { return nil }
        return AttentionCapture(layer: layer, heads: capture == .none ? heads : 1, size: n, values: kept, aggregation: capture)
    }

    // MARK: Building blocks

    /// out[n][outputs] = input[n][inputs] · Wᵀ (+ b).
    private func linear(
        _ input: [Float], _ name: String, into output: inout [Float], outputs: Int, inputs: Int, biasName: String?
    ) throws(ModelError) {
        let w = try model.weights.tensor(name)
        try weight.withUnsafeMutableBufferPointer { (buffer) throws(ModelError) in try w.dequantize(into: buffer.baseAddress!) }
        BLAS.matmulTransposedB(input, weight, &output, m: n, n: outputs, k: inputs)
        if let biasName {
            let b = try model.weights.tensor(biasName)
            try bias.withUnsafeMutableBufferPointer { (buffer) throws(ModelError) in try b.dequantize(into: buffer.baseAddress!) }
            let n = self.n
            bias.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { o in
                    for r in 0..<n { for j in 0..<outputs { o[r * outputs + j] += b[j] } }
                }
            }
        }
    }

    /// out = x / sqrt(mean(x²) + eps) · w, per row (transformers' LlamaRMSNorm, in float32).
    private func rmsNorm(from input: [Float], into output: inout [Float], weightName: String) throws(ModelError) {
        let w = try model.weights.tensor(weightName)
        var gain = [Float](repeating: 0, count: c.hiddenSize)
        try gain.withUnsafeMutableBufferPointer { (g) throws(ModelError) in try w.dequantize(into: g.baseAddress!) }
        let d = c.hiddenSize, eps = c.rmsNormEpsilon
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { o in
                gain.withUnsafeBufferPointer { g in
                    parallelChunks(n) { rows in
                        for r in rows {
                            let row = x.baseAddress! + r * d, dst = o.baseAddress! + r * d
                            var sum: Float = 0
                            for j in 0..<d { sum += row[j] * row[j] }
                            let inv = 1 / (sum / Float(d) + eps).squareRoot()
                            for j in 0..<d { dst[j] = g[j] * (row[j] * inv) }
                        }
                    }
                }
            }
        }
    }

    /// Rotary position embedding on every head of `t` ([n][heads * headDim]).
    private func applyRotary(_ t: inout [Float], heads: Int) {
        let hd = c.headDim, half = hd / 2, interleaved = model.interleavedRotary
        let width = heads * hd
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                t.withUnsafeMutableBufferPointer { t in
                    parallelChunks(n) { rows in
                        for p in rows {
                            let cs = cosines.baseAddress! + p * half, sn = sines.baseAddress! + p * half
                            for h in 0..<heads {
                                let base = t.baseAddress! + p * width + h * hd
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

    private func add(_ delta: [Float], into x: inout [Float]) {
        delta.withUnsafeBufferPointer { d in
            x.withUnsafeMutableBufferPointer { x in
                parallelChunks(x.count) { range in for i in range { x[i] += d[i] } }
            }
        }
    }
}

/// Splits `0..<count` over the cores (serially when small).
@inline(__always)
func parallelChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
    let workers = computeThreadCount ?? ProcessInfo.processInfo.activeProcessorCount
    if count < 64 || workers < 2 {
        body(0..<count)
        return
    }
    let chunk = (count + workers - 1) / workers
    withoutActuallyEscaping(body) { body in
        // Each worker touches a disjoint range: no data race, whatever the closure captures.
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let start = w * chunk
            if start < count { work(start..<min(start + chunk, count)) }
        }
    }
}
