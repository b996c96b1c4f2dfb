import CKernels
import Foundation

/// One forward pass over new positions of one sequence, readable top to bottom (in the spirit of
/// llama2.c's `forward`): named activation buffers, every matrix product through BLAS, and the
/// family's `BlockSpec` / `LayerSpec` deciding what each step does.
///
/// Each layer is three stages, each split over the cores once:
/// 1. rows (each worker its own positions): norm, q/k/v projections, q/k norm, rotary embedding;
/// 2. attention, in blocks of query rows handed out to whichever worker is free, so memory
///    grows linearly with the sequence length (long blocks a tile of keys at a time, see
///    `TiledAttention`);
/// 3. rows: output projection, norms, residual, MLP (dense or routed experts; 1,024 rows at a
///    time), residual.
/// Stages 1 and 3 are row-local, so workers never wait on each other inside a stage. Each worker
/// calls single-threaded BLAS: OpenBLAS's own threads would spin (sched_yield) between the many
/// mid-sized products of a pass and fight rat's workers for the cores (measured: 0.62 s instead
/// of 0.81–0.97 s at 512 tokens on 2 cores).
///
/// With a `KVCache`, keys and values go to the cache at positions `offset..<offset + n` and
/// attention reads every cached position; without one, one layer's keys and values live in the
/// pass's own buffers (memory stays that of one layer, whatever the depth).
final class ForwardPass {
    let model: CausalLanguageModel
    let c: ModelConfig
    let block: BlockSpec
    let layers: [LayerSpec]
    /// New positions in this pass, and the positions before them (in the cache).
    let n: Int, offset: Int
    var total: Int { offset + n }
    let cache: KVCache?
    /// One byte per position, 0 = padding that no query may attend to; empty = no padding.
    let keyMask: [UInt8]
    let workers: Int
    /// Each worker's positions in the row-local stages.
    let rowRanges: [Range<Int>]
    /// Query rows per attention block: small enough that every worker gets several blocks.
    let blockRows: Int
    /// When too few rows to split (a generation step), each product's output columns are split
    /// over this many workers instead.
    let columnWorkers: Int
    /// A pass of at most `StoredMatrix.rowsMax` positions multiplies the matrices in their
    /// stored blocks (see `StoredMatrix`); longer ones convert them to float32 for BLAS.
    let storedProducts: Bool

    // Activations, row-major [n][...].
    let x: FloatBuffer              // residual stream [n][hidden]
    let xb: FloatBuffer             // normed input / sublayer output [n][hidden]
    let q: FloatBuffer              // queries [n][heads * headDim]
    let ownKeys: FloatBuffer?       // keys [n][kvHeads * headDim] when there is no cache
    let ownValues: FloatBuffer?
    let attentionOut: FloatBuffer   // [n][heads * headDim]
    /// Per worker: the MLP's intermediate activations of one chunk of its rows
    /// [min(rows, mlpChunkRows)][intermediate].
    let gate: [FloatBuffer]
    let up: [FloatBuffer]
    /// Per worker: attention probabilities of one block of query rows of one head group against
    /// its keys [group · blockRows][keys], and that block's queries, then outputs [group · blockRows][headDim].
    let scores: [FloatBuffer]
    let groupBlock: [FloatBuffer]
    /// When layers whose probabilities are not kept compute attention a tile of keys at a time
    /// (see `TiledAttention`); nil = never.
    let tiling: AttentionTiling?
    /// Per worker, for tiled attention (passes that reach `tiling.fromKeys` keys): one block's
    /// outputs being summed [group · blockRows][headDim], and its rows' running maxima and sums.
    let tileOutput: [FloatBuffer]
    let tileState: [FloatBuffer]
    /// Per worker: one row's key mask, for rows with knocked-out keys.
    let knockoutMask: [ByteBuffer]
    /// Dequantized weights of the current layer when weights are streamed.
    let layerScratch: FloatBuffer?
    /// Rotary tables [n][dims / 2] per layer (shared between layers with the same spec), cos and
    /// sin already multiplied by the scaling's attention factor.
    let rotaryTables: [RotaryTable?]

    struct RotaryTable {
        let spec: RotarySpec
        let cosines: [Float], sines: [Float]
    }

    init(
        model: CausalLanguageModel, ids: [Int], attentionMask: [Bool]? = nil, cache: KVCache? = nil, storedProducts allowStored: Bool = true
    ) throws(ModelError) {
        self.model = model
        c = model.config
        block = model.architecture.block
        layers = model.architecture.layers
        n = ids.count
        offset = cache?.count ?? 0
        self.cache = cache
        keyMask = attentionMask.map { mask in mask.prefix(ids.count).map { $0 ? 1 : 0 } } ?? []
        let threads = model.threads ?? computeThreads
        (workers, blockRows, columnWorkers) = Self.split(rows: n, threads: threads)
        rowRanges = evenRanges(n, parts: workers)
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        let inner = Self.intermediateWidth(c, block)
        x = FloatBuffer(n * c.hiddenSize)
        xb = FloatBuffer(n * c.hiddenSize)
        q = FloatBuffer(n * qWidth)
        attentionOut = FloatBuffer(n * qWidth)
        if let cache {
            cache.reserve(offset + n)
            ownKeys = nil
            ownValues = nil
        } else {
            ownKeys = FloatBuffer(n * kvWidth)
            ownValues = FloatBuffer(n * kvWidth)
        }
        let mlpRows = min(rowRanges.map(\.count).max() ?? n, Self.mlpChunkRows)
        gate = (0..<workers).map { _ in FloatBuffer(mlpRows * inner) }
        up = (0..<workers).map { _ in FloatBuffer(mlpRows * inner) }
        let group = c.headCount / c.kvHeadCount, rows = min(n, blockRows), keys = offset + n, headDim = c.headDim
        // A generation step's attention splits its heads over every thread (see `attention`).
        let attentionWorkers = max(workers, columnWorkers)
        scores = (0..<attentionWorkers).map { _ in FloatBuffer(group * rows * keys) }
        groupBlock = (0..<attentionWorkers).map { _ in FloatBuffer(group * rows * headDim) }
        tiling = model.attentionTiling
        let tiles = tiling.map { keys >= $0.fromKeys } ?? false
        tileOutput = tiles ? (0..<attentionWorkers).map { _ in FloatBuffer(group * rows * headDim) } : []
        tileState = tiles ? (0..<attentionWorkers).map { _ in FloatBuffer(2 * group * rows) } : []
        knockoutMask = (0..<attentionWorkers).map { _ in ByteBuffer(keys) }
        storedProducts = allowStored && n <= StoredMatrix.rowsMax
        let weights = model.floatWeights
        let scratchCount = storedProducts ? weights.storedPassScratchCount : weights.layerScratchCount
        layerScratch = weights.startPass() && scratchCount > 0 ? FloatBuffer(scratchCount) : nil
        var tables: [RotaryTable] = []
        rotaryTables = layers.map { layer in
            guard let spec = layer.rotary else { return nil }
            if let known = tables.first(where: { $0.spec == spec }) { return known }
            let t = Self.rotaryTable(spec, positions: (cache?.count ?? 0)..<((cache?.count ?? 0) + ids.count))
            tables.append(t)
            return t
        }

        // Token embeddings (row lookups, read in place from the file), scaled, plus learned positions.
        let embedding = try model.weights.tensor(model.source(.tokenEmbedding).name)
        for (i, id) in ids.enumerated() { try embedding.dequantizeRow(id, into: x.pointer + i * c.hiddenSize) }
        if let scale = block.embeddingScale {
            for i in 0..<(n * c.hiddenSize) { x.pointer[i] *= scale }
        }
        if block.positions == .learned {
            guard total <= c.maxPositions else {
                throw ModelError("position \(total - 1) is past the model's \(c.maxPositions) learned positions")
            }
            let positions = try model.floatWeights.floats(model.source(.positionEmbedding))
            let hidden = c.hiddenSize
            for r in 0..<n {
                let row = x.pointer + r * hidden, p = positions + (offset + r) * hidden
                for j in 0..<hidden { row[j] += p[j] }
            }
        }
    }

    /// How a pass of `rows` new positions splits over `threads`: workers of the row stages, query
    /// rows per attention block (small enough that every worker gets several blocks), and, when
    /// one worker takes every row (a generation step), the workers each product's output columns
    /// are split over instead.
    static func split(rows: Int, threads: Int) -> (workers: Int, blockRows: Int, columnWorkers: Int) {
        let workers = max(1, min(threads, rows / 16))
        return (workers, max(16, min(128, rows / (4 * workers))), workers == 1 ? threads : 1)
    }

    /// Rows of the MLP one worker runs at a time: its intermediate activations are held per chunk
    /// of rows, not per pass (at 32,768 tokens of the Qwen2-0.5B shape, two 1,024 × 4,864 buffers
    /// per worker instead of two 32,768 × 4,864, 1.3 GB). Passes of up to 2,048 rows on 2 cores
    /// run each worker's rows in one chunk.
    static let mlpChunkRows = 1024

    /// The intermediate width the MLP buffers hold (the dense MLP's or an expert's, the larger).
    static func intermediateWidth(_ c: ModelConfig, _ block: BlockSpec) -> Int {
        if case .experts(let r) = block.mlp { return max(c.intermediateSize, r.intermediateSize) }
        return c.intermediateSize
    }

    /// Keys / values of `layer`: the cache's (indexed by absolute position) or the pass's own.
    func keys(_ layer: Int) -> UnsafeMutablePointer<Float> { cache?.keys[layer] ?? ownKeys!.pointer }
    func values(_ layer: Int) -> UnsafeMutablePointer<Float> { cache?.values[layer] ?? ownValues!.pointer }

    // MARK: The pass

    /// Runs `plan` (validated by the caller: layers resolved, at most the last layer).
    /// `resume` replaces the embeddings by a kept residual stream and skips the layers before it;
    /// `knockouts[layer][query]` are keys that query may not attend in that layer.
    func run(
        from resume: Residual? = nil, through last: Int, captures: [Int: HeadAggregation], logits: LogitsRequest,
        candidates plan: CandidatePlan? = nil, valueNormLayer: Int? = nil, residualLayer: Int? = nil,
        knockouts: [Int: [Int: Set<Int>]] = [:], stream: AttentionStream? = nil
    ) throws(ModelError) -> PassResult {
        var valueNorm: AttentionCapture?
        var residual: Residual?
        var kept: [AttentionCapture] = []
        let collector = plan.map {
            CandidateCollector(layers: $0.layers, cap: $0.cap, sinks: $0.sinkPositions, rows: n, offset: offset, workers: scores.count,
                               blockRows: blockRows)
        }
        if let resume { x.pointer.update(from: resume.values, count: n * c.hiddenSize) }
        for layer in (resume?.layer ?? 0)...last {
            if layer == residualLayer { residual = Residual(layer: layer, values: Array(x.buffer)) }
            let w = try model.floatWeights.layer(layer, scratch: layerScratch?.pointer, stored: storedProducts)
            // The last layer of a pass that needs nothing after its attention stops at the
            // probabilities: nothing after them can change them, so its values, attention output
            // and MLP are skipped (unless a cache must hold its values).
            let needsOutput = layer < last || logits != .none
            let valueWeighted = layer == valueNormLayer
            attentionInputs(w, layer: layer, values: needsOutput || cache != nil || valueWeighted)
            if storedProducts { try checkFinite(w, q.pointer, count: n * c.headCount * c.headDim) }
            let collecting = collector?.collects(layer) == true ? collector : nil
            if let capture = attention(capture: valueWeighted ? HeadAggregation.none : captures[layer], candidates: collecting, layer: layer,
                                       knockouts: knockouts[layer] ?? [:], computeOutput: needsOutput,
                                       stream: valueWeighted ? nil : stream) {
                if valueWeighted { valueNorm = valueWeightedAttention(w, layer: layer, heads: capture) } else { kept.append(capture) }
            }
            if needsOutput {
                outputAndMLP(w, layer: layer)
                if storedProducts { try checkFinite(w, x.pointer, count: n * c.hiddenSize) }
            }
        }
        cache?.commit(n)
        var result = PassResult(attention: kept, logits: [], hiddenStates: [], candidates: collector?.candidates(), valueNorm: valueNorm,
                                residual: residual)
        if logits != .none { try head(logits, into: &result) }
        return result
    }

    /// Final norm and LM head: every row, or the last one only (its vocabulary split over the workers).
    private func head(_ request: LogitsRequest, into result: inout PassResult) throws(ModelError) {
        let gain = try model.floatWeights.floats(model.source(.finalNorm))
        let bias = block.norm == .layerNorm ? try model.floatWeights.floats(model.source(.finalNormBias)) : nil
        let headSource = model.source(c.tiedEmbeddings ? .tokenEmbedding : .output)
        // The last position's logits, and a short pass's, read the LM head in its blocks; the rest
        // in float32 (a streaming pass dequantizes it for this pass only).
        let head: Matrix
        var temporary: FloatBuffer?
        if request == .lastPosition || storedProducts, let stored = try model.floatWeights.storedMatrix(headSource) {
            head = .stored(stored)
        } else {
            let headCount = layerScratch == nil ? 0 : try model.floatWeights.scratchCount(headSource)
            temporary = headCount > 0 ? FloatBuffer(headCount) : nil
            head = .floats(try model.floatWeights.floats(headSource, scratch: temporary?.pointer))
        }
        let (hidden, vocabulary) = (c.hiddenSize, c.vocabularySize)
        let rows = request == .lastPosition ? (n - 1)..<n : 0..<n
        var logits = [Float](repeating: 0, count: rows.count * vocabulary)
        logits.withUnsafeMutableBufferPointer { logits in
            let out = logits.baseAddress!
            if request == .lastPosition {
                normalize(rows, x, into: xb, width: hidden, gain: gain, bias: bias)
                product(xb.pointer + (n - 1) * hidden, head, into: out, rows: 1, inputs: hidden, outputs: vocabulary,
                        parts: max(1, min(model.threads ?? computeThreads, vocabulary / 4096)))
            } else {
                parallelWorkers(workers) { worker in
                    let rows = rowRanges[worker]
                    normalize(rows, x, into: xb, width: hidden, gain: gain, bias: bias)
                    product(xb.pointer + rows.lowerBound * hidden, head, into: out + rows.lowerBound * vocabulary,
                            rows: rows.count, inputs: hidden, outputs: vocabulary, parts: columnWorkers)
                }
            }
            if let cap = block.finalLogitSoftcap {
                for i in 0..<logits.count { logits[i] = cap * tanh(logits[i] / cap) }
            }
        }
        if case .stored(let m) = head, rat_all_finite(logits, logits.count) == 0 { try m.requireFinite() }
        withExtendedLifetime(temporary) {}
        result.logits = logits
        if request == .allPositions { result.hiddenStates = Array(xb.buffer) }
    }

    // MARK: Value-weighted attention

    /// N[i][j] = ‖Σ_h A_h[i][j] · f_(j,h)‖₂ with f_(j,h) = v_j^(kv(h)) · W_O^(h)ᵀ (head h's columns
    /// of the output projection), each row divided by its sum (in double precision).
    private func valueWeightedAttention(_ w: LayerWeights, layer: Int, heads perHead: AttentionCapture) -> AttentionCapture {
        let heads = c.headCount, hd = c.headDim, hidden = c.hiddenSize, kvStride = c.kvHeadCount * hd
        let group = heads / c.kvHeadCount
        guard case .floats(let wo) = w.matrix(.attentionOutput) else {
            preconditionFailure("value-weighted attention runs with float32 weights (storedProducts is off)")
        }
        // f[j][h][hidden], one product per head.
        let f = FloatBuffer(n * heads * hidden)
        let v = values(layer)
        parallelWorkers(min(workers, heads)) { worker in
            for h in stride(from: worker, to: heads, by: min(self.workers, heads)) {
                BLAS.matmulTransposedB(v + (h / group) * hd, wo + h * hd, f.pointer + h * hidden, m: n, n: hidden, k: hd,
                                       lda: kvStride, ldb: heads * hd, ldc: heads * hidden)
            }
        }
        var out = [Float](repeating: 0, count: n * n)
        let threads = max(1, model.threads ?? computeThreads)
        out.withUnsafeMutableBufferPointer { out in
            let result = out.baseAddress!
            perHead.values.withUnsafeBufferPointer { a in
                // Rows interleaved over the workers (a row's cost grows with its position).
                parallelWorkers(min(threads, n)) { worker in
                    var sum = [Float](repeating: 0, count: hidden)
                    for i in stride(from: worker, to: self.n, by: min(threads, self.n)) {
                        var total = 0.0
                        for j in 0...i {
                            for k in 0..<hidden { sum[k] = 0 }
                            for h in 0..<heads {
                                let weight = a[(h * self.n + i) * self.n + j]
                                if weight == 0 { continue }
                                let fj = f.pointer + (j * heads + h) * hidden
                                for k in 0..<hidden { sum[k] += weight * fj[k] }
                            }
                            var squares: Float = 0
                            for k in 0..<hidden { squares += sum[k] * sum[k] }
                            let norm = squares.squareRoot()
                            result[i * self.n + j] = norm
                            total += Double(norm)
                        }
                        if total > 0 {
                            for j in 0...i { result[i * self.n + j] = Float(Double(result[i * self.n + j]) / total) }
                        }
                    }
                }
            }
        }
        return AttentionCapture(layer: layer, heads: 1, size: n, values: out, aggregation: .mean)
    }

    // MARK: Stages

    /// Stage 1, rows split over the workers: xb = norm(x) (or x); q, k (and v) projections into
    /// the layer's key/value store at their positions; q/k norm; rotary.
    private func attentionInputs(_ w: LayerWeights, layer: Int, values: Bool) {
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim, hidden = c.hiddenSize
        let keyStore = keys(layer), valueStore = self.values(layer)
        // Rows of k and v are absolute positions in the cache, pass rows otherwise.
        let kvRow = cache == nil ? 0 : offset
        parallelWorkers(workers) { worker in
            let rows = rowRanges[worker]
            let input: FloatBuffer
            if block.normPlacement.attentionInput {
                normalize(rows, x, into: xb, width: hidden, gain: w.required(.attentionNorm), bias: w[.attentionNormBias])
                input = xb
            } else {
                input = x
            }
            var projections = [
                Projection(weight: w.matrix(.query), bias: w[.queryBias], output: q.pointer, outputs: qWidth),
                Projection(weight: w.matrix(.key), bias: w[.keyBias], output: keyStore + kvRow * kvWidth, outputs: kvWidth),
            ]
            if values {
                projections.append(Projection(weight: w.matrix(.value), bias: w[.valueBias], output: valueStore + kvRow * kvWidth,
                                              outputs: kvWidth))
            }
            linear(rows, input.pointer, hidden, projections)
            switch block.qkNorm {
            case .none: break
            case .perHead:
                headNorm(rows, q.pointer, heads: c.headCount, width: c.headDim, gain: w.required(.queryNorm))
                headNorm(rows, keyStore + kvRow * kvWidth, heads: c.kvHeadCount, width: c.headDim, gain: w.required(.keyNorm))
            case .wholeProjection:
                headNorm(rows, q.pointer, heads: 1, width: qWidth, gain: w.required(.queryNorm))
                headNorm(rows, keyStore + kvRow * kvWidth, heads: 1, width: kvWidth, gain: w.required(.keyNorm))
            }
            if let table = rotaryTables[layer] {
                rotary(rows, q.pointer, heads: c.headCount, table)
                rotary(rows, keyStore + kvRow * kvWidth, heads: c.kvHeadCount, table)
            }
        }
    }

    /// Stage 3, rows split over the workers: h = x + [norm](o_proj(attention));
    /// x = h + [norm](mlp([norm](h))).
    private func outputAndMLP(_ w: LayerWeights, layer: Int) {
        let qWidth = c.headCount * c.headDim, hidden = c.hiddenSize
        let placement = block.normPlacement
        parallelWorkers(workers) { worker in
            let rows = rowRanges[worker]
            linear(rows, attentionOut.pointer, qWidth, w.matrix(.attentionOutput), bias: w[.attentionOutputBias], into: xb.pointer, hidden)
            if placement.attentionOutput { normalize(rows, xb, into: xb, width: hidden, gain: w.required(.attentionPostNorm), bias: nil) }
            add(rows, xb, into: x, width: hidden)
            if placement.mlpInput {
                normalize(rows, x, into: xb, width: hidden, gain: w.required(.mlpNorm), bias: w[.mlpNormBias])
            } else {
                (xb.pointer + rows.lowerBound * hidden).update(from: x.pointer + rows.lowerBound * hidden, count: rows.count * hidden)
            }
            let scratch = (gate[worker].pointer, up[worker].pointer)
            for start in stride(from: rows.lowerBound, to: rows.upperBound, by: Self.mlpChunkRows) {
                let chunk = start..<min(start + Self.mlpChunkRows, rows.upperBound)
                mlp(chunk, w, layer: layer, scratch: scratch)
            }
            if placement.mlpOutput { normalize(rows, xb, into: xb, width: hidden, gain: w.required(.mlpPostNorm), bias: nil) }
            add(rows, xb, into: x, width: hidden)
        }
    }

    /// xb = mlp(xb) on the rows `chunk`, in place, with `scratch` (gate, up) holding the chunk's
    /// intermediate activations.
    private func mlp(_ chunk: Range<Int>, _ w: LayerWeights, layer: Int, scratch: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)) {
        let hidden = c.hiddenSize, inner = c.intermediateSize
        let rows = 0..<chunk.count, at = xb.pointer + chunk.lowerBound * hidden
        switch block.mlp {
        case .gated(let activation, _):
            gatedMLP(rows, input: at, gate: w.matrix(.gate), up: w.matrix(.up), down: w.matrix(.down),
                     biases: (w[.gateBias], w[.upBias], w[.downBias]), activation: activation, inner: inner, into: at, scratch: scratch)
        case .plain(let activation, _):
            linear(rows, at, hidden, w.matrix(.up), bias: w[.upBias], into: scratch.1, inner)
            rat_activation(scratch.1, chunk.count * inner, activation.kernel)
            linear(rows, scratch.1, inner, w.matrix(.down), bias: w[.downBias], into: at, hidden)
        case .experts(let routing):
            if layers[layer].routedExperts {
                experts(chunk, w, routing)
            } else {
                gatedMLP(rows, input: at, gate: w.matrix(.gate), up: w.matrix(.up), down: w.matrix(.down), biases: (nil, nil, nil),
                         activation: routing.activation, inner: inner, into: at, scratch: scratch)
            }
        }
    }

    /// out = down(act(gate(x)) · up(x)) on `rows` (in place when `into` is the input: the
    /// products go through the scratch first).
    private func gatedMLP(
        _ rows: Range<Int>, input: UnsafeMutablePointer<Float>, gate g: Matrix, up u: Matrix, down d: Matrix, biases: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?),
        activation: Activation, inner: Int, into output: UnsafeMutablePointer<Float>,
        scratch: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    ) {
        let hidden = c.hiddenSize
        linear(rows, input, hidden, [Projection(weight: g, bias: biases.0, output: scratch.0, outputs: inner),
                                     Projection(weight: u, bias: biases.1, output: scratch.1, outputs: inner)])
        let gateRows = scratch.0 + rows.lowerBound * inner, upRows = scratch.1 + rows.lowerBound * inner
        if activation == .silu {
            rat_silu_mul(gateRows, upRows, rows.count * inner)
        } else {
            rat_activation(gateRows, rows.count * inner, activation.kernel)
            rat_mul(gateRows, upRows, rows.count * inner)
        }
        linear(rows, scratch.0, inner, d, bias: biases.2, into: output, hidden)
    }

    /// Routed experts on `rows` of xb (in place): router softmax, top k (ties to the lower index,
    /// as torch.topk), optional renormalization; each expert runs once on the rows that chose it.
    private func experts(_ rows: Range<Int>, _ w: LayerWeights, _ r: ExpertRouting) {
        let hidden = c.hiddenSize, inner = r.intermediateSize, m = rows.count
        var logits = [Float](repeating: 0, count: m * r.count)
        var chosen: [[(row: Int, weight: Float)]] = Array(repeating: [], count: r.count)
        logits.withUnsafeMutableBufferPointer { l in
            product(xb.pointer + rows.lowerBound * hidden, w.matrix(.router), into: l.baseAddress!, rows: m, inputs: hidden,
                    outputs: r.count, parts: 1)
            for i in 0..<m {
                let row = l.baseAddress! + i * r.count
                rat_softmax_row(row, Int32(r.count), 1, nil)
                var order = Array(0..<r.count)
                order.sort { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
                let top = order.prefix(r.topK)
                let sum = top.reduce(Float(0)) { $0 + row[$1] }
                for e in top { chosen[e].append((i, r.normalizeTopK ? row[e] / sum : row[e])) }
            }
        }
        let input = FloatBuffer(m * hidden), gathered = FloatBuffer(m * hidden)
        input.pointer.update(from: xb.pointer + rows.lowerBound * hidden, count: m * hidden)
        (xb.pointer + rows.lowerBound * hidden).update(repeating: 0, count: m * hidden)
        let gateScratch = FloatBuffer(m * inner), upScratch = FloatBuffer(m * inner)
        for e in 0..<r.count where !chosen[e].isEmpty {
            let picks = chosen[e]
            for (k, pick) in picks.enumerated() {
                (gathered.pointer + k * hidden).update(from: input.pointer + pick.row * hidden, count: hidden)
            }
            gatedMLP(0..<picks.count, input: gathered.pointer, gate: w.matrix(.expertGate(e)), up: w.matrix(.expertUp(e)),
                     down: w.matrix(.expertDown(e)), biases: (nil, nil, nil), activation: r.activation, inner: inner,
                     into: gathered.pointer, scratch: (gateScratch.pointer, upScratch.pointer))
            for (k, pick) in picks.enumerated() {
                let dst = xb.pointer + (rows.lowerBound + pick.row) * hidden, src = gathered.pointer + k * hidden
                for j in 0..<hidden { dst[j] += pick.weight * src[j] }
            }
        }
    }

    /// Stage 2: causal softmax attention, blocks of query rows handed out to free workers (the
    /// longest first). Returns the captured probabilities when `capture` is set, unless they go
    /// to `stream` block by block (each worker then keeps only its block's rows).
    private func attention(
        capture: HeadAggregation?, candidates: CandidateCollector?, layer: Int, knockouts: [Int: Set<Int>], computeOutput: Bool,
        stream: AttentionStream? = nil
    ) -> AttentionCapture? {
        let capturedHeads = capture == HeadAggregation.none ? c.headCount : 1
        let stream = capture == nil ? nil : stream
        var kept: [Float] = []
        if capture != nil && stream == nil { kept = [Float](repeating: 0, count: capturedHeads * n * total) }
        let blockKept = stream == nil ? [] : (0..<scores.count).map { _ in FloatBuffer(capturedHeads * min(n, blockRows) * total) }
        let blocks = stride(from: 0, to: n, by: blockRows).map { $0..<min($0 + blockRows, n) }.reversed() as [Range<Int>]
        // Items are blocks of rows with all their heads; a pass with fewer blocks than threads (a
        // generation step) splits each block's key/value heads instead, unless the layer is
        // captured (its heads add into the same captured rows) or its candidates collected.
        let threads = scores.count
        let splitHeads = capture == nil && candidates == nil && blocks.count < threads && c.kvHeadCount > 1
        let items: [(rows: Range<Int>, heads: Range<Int>)] = blocks.flatMap { block in
            splitHeads ? (0..<c.kvHeadCount).map { (block, $0..<($0 + 1)) } : [(block, 0..<c.kvHeadCount)]
        }
        let queue = WorkQueue(count: items.count)
        kept.withUnsafeMutableBufferPointer { kept in
            keyMask.withUnsafeBufferPointer { mask in
                let keep = mask.isEmpty ? nil : mask.baseAddress
                let keptBase = kept.baseAddress
                parallelWorkers(min(threads, items.count)) { worker in
                    while let item = queue.next() {
                        attentionBlock(items[item].rows, kvHeads: items[item].heads, layer: layer, worker: worker, keep: keep,
                                       capture: capture, kept: stream == nil ? keptBase : blockKept[worker].pointer,
                                       candidates: candidates, knockouts: knockouts, computeOutput: computeOutput, stream: stream)
                    }
                }
            }
        }
        guard let capture, stream == nil else { return nil }
        return AttentionCapture(layer: layer, heads: capturedHeads, size: total, values: kept,
                                aggregation: capture, firstRow: offset, rows: n)
    }

    /// One block of query rows, every head. The query heads that share a key/value head
    /// (grouped-query attention) are stacked, so each head group is two large matrix products
    /// instead of several small ones: scores = Q Kᵀ (keys up to the block's last row), scaled,
    /// soft-capped, masked (causal, window, padding), softmaxed in float32 as transformers' eager
    /// attention does, then out = P V. Captured rows go to `kept`: the whole layer's
    /// `[heads][n][keys]`, or with a `stream` this block's `[heads][rows][keys]`, then to the stream.
    private func attentionBlock(
        _ block: Range<Int>, kvHeads: Range<Int>, layer: Int, worker: Int, keep: UnsafePointer<UInt8>?, capture: HeadAggregation?,
        kept: UnsafeMutablePointer<Float>?, candidates: CandidateCollector?, knockouts: [Int: Set<Int>], computeOutput: Bool,
        stream: AttentionStream? = nil
    ) {
        let hd = c.headDim, heads = c.headCount, group = c.headCount / c.kvHeadCount
        let qStride = heads * hd, kvStride = c.kvHeadCount * hd
        let scale = self.block.attentionScale, softcap = self.block.attentionSoftcap, window = layers[layer].window
        let r0 = block.lowerBound, rows = block.count, keys = offset + block.upperBound
        // A windowed layer needs no key before the first one its first row sees.
        let keyStart = firstKey(of: offset + r0, window: window), width = keys - keyStart
        let keyStore = self.keys(layer), valueStore = values(layer)
        let s = scores[worker].pointer, stacked = groupBlock[worker].pointer
        // The captured rows' layout: the layer's rows, or this block's alone.
        let keptRows = stream == nil ? n : rows, keptFirst = stream == nil ? 0 : r0
        let capturedHeads = capture == HeadAggregation.none ? heads : 1
        if stream != nil, let kept { kept.update(repeating: 0, count: capturedHeads * rows * total) }
        // Few stacked rows (a generation step): products without BLAS's packing.
        let small = group * rows <= 8
        // Long score rows go through cache a tile of keys at a time (see `TiledAttention`).
        let tiled = tilesAttention(width: width, keepsProbabilities: capture != nil || candidates != nil || !computeOutput,
                                   masked: keep != nil || !knockouts.isEmpty, small: small)
        for kvHead in kvHeads {
            // stacked[(g · rows + r)][hd] = Q[r0 + r, head kvHead · group + g]
            for g in 0..<group {
                let head = kvHead * group + g
                for r in 0..<rows {
                    (stacked + (g * rows + r) * hd).update(from: q.pointer + (r0 + r) * qStride + head * hd, count: hd)
                }
            }
            if tiled {
                tiledAttention(stacked, stackedRows: group * rows, rows: rows, firstPosition: offset + r0, kvHead: kvHead, layer: layer,
                               worker: worker, keys: keyStart..<keys)
            } else {
                // scores[group · rows][width] = stacked · K[keyStart..<keys, kvHead]ᵀ (column j is key keyStart + j)
                if small {
                    rat_small_qk(stacked, Int32(group * rows), Int32(hd), keyStore + keyStart * kvStride + kvHead * hd, kvStride,
                                 Int32(width), s)
                } else {
                    BLAS.matmulTransposedB(stacked, keyStore + keyStart * kvStride + kvHead * hd, s, m: group * rows, n: width, k: hd,
                                           lda: hd, ldb: kvStride, ldc: width)
                }
                for r in 0..<rows {
                    let position = offset + r0 + r
                    let first = firstKey(of: position, window: window)
                    let (lo, hi) = (first - keyStart, position - keyStart)  // this row's keys, as columns
                    for g in 0..<group {
                        let h = kvHead * group + g
                        let row = s + (g * rows + r) * width
                        var rowScale = scale
                        if let softcap {
                            for j in lo...hi { row[j] = softcap * tanh(row[j] * scale / softcap) }
                            rowScale = 1
                        }
                        // Knocked-out keys (query position → keys it may not attend in this layer).
                        if let keys = knockouts[position] {
                            // This row's own mask: the padding's, with the knocked-out keys cleared.
                            let rowKeep = knockoutMask[worker].pointer
                            for j in 0...(position - first) { rowKeep[j] = keep.map { $0[first + j] } ?? 1 }
                            for key in keys where key >= first { rowKeep[key - first] = 0 }
                            rat_softmax_row(row + lo, Int32(hi - lo + 1), rowScale, rowKeep)
                        } else {
                            rat_softmax_row(row + lo, Int32(hi - lo + 1), rowScale, keep.map { $0 + first })
                        }
                        if lo > 0 { row.update(repeating: 0, count: lo) }
                        if hi + 1 < width { (row + hi + 1).update(repeating: 0, count: width - hi - 1) }
                        candidates?.add(worker: worker, blockRow: r, head: h, row: row, keyStart: keyStart, last: hi)
                        guard let capture, let kept else { continue }
                        let local = r0 + r - keptFirst
                        switch capture {
                        case .none:
                            (kept + (h * keptRows + local) * total + keyStart).update(from: row, count: hi + 1)
                        case .mean:
                            // Heads are added in order, as torch's mean does.
                            let dst = kept + local * total + keyStart
                            for j in 0...hi { dst[j] += row[j] }
                        case .max:
                            let dst = kept + local * total + keyStart
                            if h == 0 {
                                dst.update(from: row, count: hi + 1)
                            } else {
                                for j in 0...hi { dst[j] = max(dst[j], row[j]) }
                            }
                        }
                    }
                }
                guard computeOutput else { continue }
                // stacked[group · rows][hd] = P · V[keyStart..<keys, kvHead], then back into the heads' columns.
                if small {
                    rat_small_pv(s, Int32(group * rows), Int32(width), valueStore + keyStart * kvStride + kvHead * hd, kvStride,
                                 Int32(hd), stacked)
                } else {
                    BLAS.matmul(s, valueStore + keyStart * kvStride + kvHead * hd, stacked, m: group * rows, n: hd, k: width,
                                lda: width, ldb: kvStride, ldc: hd)
                }
            }
            for g in 0..<group {
                let head = kvHead * group + g
                for r in 0..<rows {
                    (attentionOut.pointer + (r0 + r) * qStride + head * hd).update(from: stacked + (g * rows + r) * hd, count: hd)
                }
            }
        }
        candidates?.finish(worker: worker, layer: layer, block: block, heads: heads, keep: keep) { firstKey(of: $0, window: window) }
        if capture == .mean, let kept {
            let divisor = Float(heads)
            for local in block {
                let dst = kept + (local - keptFirst) * total
                for j in 0...(offset + local) { dst[j] /= divisor }
            }
        }
        if let stream, let kept {
            stream.write(layer: layer, heads: capturedHeads, rows: (offset + r0)..<(offset + r0 + rows), keys: total, values: kept)
        }
    }

    /// The first key the query at `position` attends: 0, or with a sliding `window` the oldest of
    /// the last `window` positions (the tiled kernel derives it the same way).
    private func firstKey(of position: Int, window: Int?) -> Int {
        window.map { max(0, position - $0 + 1) } ?? 0
    }

    // MARK: Building blocks (each on the rows `rows` only)

    /// out[rows][outputs] = input[rows][inputs] · Wᵀ (+ b).
    private func linear(
        _ rows: Range<Int>, _ input: UnsafePointer<Float>, _ inputs: Int, _ weight: Matrix,
        bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>, _ outputs: Int
    ) {
        linear(rows, input, inputs, [Projection(weight: weight, bias: bias, output: output, outputs: outputs)])
    }

    /// One projection of a shared input: out[rows][outputs] = input[rows][inputs] · Wᵀ (+ b).
    struct Projection {
        let weight: Matrix
        let bias: UnsafePointer<Float>?
        let output: UnsafeMutablePointer<Float>
        let outputs: Int
    }

    /// Projections of the same input (q, k and v; gate and up). When the outputs are split over
    /// workers (a pass of few rows), every worker takes its share of each projection in one
    /// parallel region: the narrow ones (k, v) are split too, and the workers meet once.
    private func linear(_ rows: Range<Int>, _ input: UnsafePointer<Float>, _ inputs: Int, _ projections: [Projection]) {
        let a = input + rows.lowerBound * inputs, parts = columnWorkers
        parallelWorkers(parts) { part in
            for p in projections {
                let columns = (p.outputs * part / parts)..<(p.outputs * (part + 1) / parts)
                if !columns.isEmpty {
                    product(a, p.weight, into: p.output + rows.lowerBound * p.outputs, rows: rows.count, inputs: inputs,
                            outputs: p.outputs, columns: columns)
                }
            }
        }
        for p in projections {
            guard let bias = p.bias else { continue }
            for r in rows {
                let row = p.output + r * p.outputs
                for j in 0..<p.outputs { row[j] += bias[j] }
            }
        }
    }

    /// out[rows][outputs] = a[rows][inputs] · Wᵀ, the output columns split over `parts` workers
    /// (for passes with too few rows to split, and the last position's LM head).
    private func product(
        _ a: UnsafePointer<Float>, _ weight: Matrix, into out: UnsafeMutablePointer<Float>, rows: Int,
        inputs: Int, outputs: Int, parts: Int
    ) {
        let columns = evenRanges(outputs, parts: parts)
        parallelWorkers(parts) { part in
            product(a, weight, into: out, rows: rows, inputs: inputs, outputs: outputs, columns: columns[part])
        }
    }

    /// Output columns `columns` of out[rows][outputs] = a[rows][inputs] · Wᵀ, on this thread.
    private func product(
        _ a: UnsafePointer<Float>, _ weight: Matrix, into out: UnsafeMutablePointer<Float>, rows: Int,
        inputs: Int, outputs: Int, columns cols: Range<Int>
    ) {
        switch weight {
        case .floats(let w):
            BLAS.matmulTransposedB(a, w + cols.lowerBound * inputs, out + cols.lowerBound, m: rows, n: cols.count,
                                   k: inputs, ldc: outputs)
        case .stored(let m):
            m.multiply(a, rows: rows, outputs: cols, into: out, ldo: outputs)
        }
    }

    /// After a stage of stored products (the queries, the residual stream): a non-finite value is
    /// traced to the matrix whose weights are not finite, if one is (the float32 path checks
    /// weights as it converts them).
    private func checkFinite(_ w: LayerWeights, _ values: UnsafePointer<Float>, count: Int) throws(ModelError) {
        guard rat_all_finite(values, count) == 0 else { return }
        for (_, m) in w.stored.sorted(by: { $0.value.tensor.name < $1.value.tensor.name }) { try m.requireFinite() }
    }

    /// The block's norm of each row of width `width` (in place when `input` is `output`), in
    /// float32 as transformers computes it.
    private func normalize(_ rows: Range<Int>, _ input: FloatBuffer, into output: FloatBuffer, width d: Int,
                           gain: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        for r in rows {
            Self.normalize(input.pointer + r * d, into: output.pointer + r * d, count: d, kind: block.norm,
                           epsilon: block.normEpsilon, gain: gain, bias: bias)
        }
    }

    /// q/k norm: each of `heads` slices of width `width` in every row, in place. Gemma's use
    /// `1 + w` like its other norms; the rest plain RMSNorm.
    private func headNorm(_ rows: Range<Int>, _ t: UnsafeMutablePointer<Float>, heads: Int, width: Int, gain: UnsafePointer<Float>) {
        let kind: NormKind = block.norm == .rmsPlusOne ? .rmsPlusOne : .rms
        for r in rows {
            for h in 0..<heads {
                let p = t + (r * heads + h) * width
                Self.normalize(p, into: p, count: width, kind: kind, epsilon: block.normEpsilon, gain: gain, bias: nil)
            }
        }
    }

    static func normalize(_ row: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count d: Int, kind: NormKind,
                          epsilon eps: Float, gain: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        switch kind {
        case .rms, .rmsPlusOne:
            var sum: Float = 0
            for j in 0..<d { sum += row[j] * row[j] }
            let inverse = 1 / (sum / Float(d) + eps).squareRoot()
            if kind == .rms {
                for j in 0..<d { dst[j] = gain[j] * (row[j] * inverse) }
            } else {
                for j in 0..<d { dst[j] = (row[j] * inverse) * (1 + gain[j]) }
            }
        case .layerNorm:
            var mean: Float = 0
            for j in 0..<d { mean += row[j] }
            mean /= Float(d)
            var variance: Float = 0
            for j in 0..<d { variance += (row[j] - mean) * (row[j] - mean) }
            let inverse = 1 / (variance / Float(d) + eps).squareRoot()
            for j in 0..<d { dst[j] = (row[j] - mean) * inverse * gain[j] + (bias?[j] ?? 0) }
        }
    }

    /// Rotary position embedding on the leading `dims` of every head of `t` ([n][heads * headDim]).
    private func rotary(_ rows: Range<Int>, _ t: UnsafeMutablePointer<Float>, heads: Int, _ table: RotaryTable) {
        let hd = c.headDim, half = table.spec.dimensions / 2
        let interleaved = { if case .rotary(.interleaved) = block.positions { return true } else { return false } }()
        let width = heads * hd
        table.cosines.withUnsafeBufferPointer { cosines in
            table.sines.withUnsafeBufferPointer { sines in
                for p in rows {
                    let cs = cosines.baseAddress! + p * half, sn = sines.baseAddress! + p * half
                    for h in 0..<heads {
                        let base = t + p * width + h * hd
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

    /// cos and sin of position · inverse frequency (float32, as transformers), times the
    /// scaling's attention factor, for `positions` (rows of the table from 0).
    static func rotaryTable(_ spec: RotarySpec, positions: Range<Int>) -> RotaryTable {
        let half = spec.dimensions / 2
        let (inverse, factor) = spec.frequencies(sequenceLength: positions.upperBound)
        var cosines = [Float](repeating: 0, count: positions.count * half), sines = cosines
        for (row, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Float(p) * inverse[i]
                cosines[row * half + i] = cos(angle) * factor
                sines[row * half + i] = sin(angle) * factor
            }
        }
        return RotaryTable(spec: spec, cosines: cosines, sines: sines)
    }

    private func add(_ rows: Range<Int>, _ delta: FloatBuffer, into x: FloatBuffer, width: Int) {
        let d = delta.pointer, x = x.pointer
        for i in (rows.lowerBound * width)..<(rows.upperBound * width) { x[i] += d[i] }
    }
}

extension Activation {
    /// The code of `rat_activation`.
    var kernel: Int32 {
        switch self {
        case .silu: 0
        case .geluTanh: 1
        case .gelu: 2
        }
    }
}

/// A fixed-size zeroed buffer shared by the workers of a pass (each writes its own part).
final class ScratchBuffer<Element: Numeric>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: pointer, count: count) }
}

typealias FloatBuffer = ScratchBuffer<Float>
typealias ByteBuffer = ScratchBuffer<UInt8>
