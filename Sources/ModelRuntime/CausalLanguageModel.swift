import Foundation
import GGUF

/// A decoder-only language model loaded from a file, run on the CPU one sequence at a time.
public final class CausalLanguageModel: @unchecked Sendable {
    /// The model's sizes (`architecture.config`).
    public var config: ModelConfig { architecture.config }
    /// The family's block and per-layer specs.
    public let architecture: ArchitectureDescription
    /// Where the weights came from.
    public let path: String
    let weights: WeightStore
    /// Each model-level role's tensor.
    private let modelSources: [TensorRole: TensorSource]
    /// The GGUF file, when the model came from one (its metadata also holds the tokenizer).
    public let gguf: GGUFFile?
    /// Float32 views of the weights the forward pass multiplies with.
    let floatWeights: FloatWeights
    /// Whether dequantized weights are kept between passes (from the second pass on with
    /// `automatic`; see `WeightResidency`).
    public var keepsDequantizedWeights: Bool { floatWeights.keepsDequantized }
    /// Bytes of dequantized weights held now.
    public var keptWeightBytes: Int { floatWeights.keptBytes }
    /// Bytes the layers' weights take dequantized to float32 (float32 tensors are read in place).
    public var dequantizedWeightBytes: Int { floatWeights.dequantizedBytes }
    /// Threads for this model's passes; nil = `setComputeThreads`'s count, else one per core.
    /// Results do not depend on it beyond float rounding.
    public var threads: Int?
    /// When layers whose probabilities are not kept compute attention a tile of keys at a time
    /// (see `TiledAttention`); nil = never. Results differ by float rounding only; tests shrink
    /// the tiles to hold them to transformers on short texts.
    var attentionTiling: AttentionTiling? = .default

    /// How the model was found (for `rat inspect` and progress messages).
    public let origin: String

    /// Loads a model from a GGUF file, a HuggingFace folder, or a repo id in the local
    /// HuggingFace cache (see `ModelLocator`).
    public convenience init(path: String, residency: WeightResidency = .automatic) throws(ModelError) {
        let (location, origin) = try ModelLocator.locate(path)
        try self.init(location, origin: origin, residency: residency)
    }

    /// Loads the model at a location that ``ModelLocator`` resolved: reads its config, finds every
    /// tensor the architecture needs and checks its shape, and maps the weights.
    ///
    /// - Parameters:
    ///   - location: The GGUF file or HuggingFace folder.
    ///   - origin: How the model was found, kept as `origin`.
    ///   - residency: Whether dequantized weights are kept between passes.
    /// - Throws: ``ModelError`` for an unsupported architecture, an invalid config, a missing or
    ///   misshapen tensor, an unreadable file, or a missing BLAS library.
    public init(_ location: ModelLocator.Location, origin: String, residency: WeightResidency = .automatic) throws(ModelError) {
        self.origin = origin
        try BLAS.load()
        let family: any ArchitectureFamily.Type
        let values: ConfigValues
        switch location {
        case .gguf(let url):
            let file: GGUFFile
            do { file = try GGUFFile(path: url.path) } catch { throw ModelError(error.description) }
            let name = file["general.architecture"]?.stringValue ?? "(none)"
            guard let f = ArchitectureRegistry.gguf(name) else {
                throw ModelError("\(url.path): unsupported architecture \"\(name)\" (rat runs: \(ArchitectureRegistry.ggufList))")
            }
            family = f
            values = ConfigValues(gguf: file, architecture: name)
            path = url.path
            gguf = file
            weights = GGUFWeights(file)
        case .huggingFaceFolder(let folder):
            let configFile = folder.appendingPathComponent("config.json")
            let v = try asModelError { try ConfigValues.load(configFile) }
            let modelType = try asModelError { try v.optionalString(hf: "model_type") }
            let className = try asModelError { try v.optionalStrings(hf: "architectures")?.first }
            guard let f = modelType.flatMap(ArchitectureRegistry.huggingFace) ?? className.flatMap(ArchitectureRegistry.huggingFace) else {
                throw ModelError("\(configFile.path): unsupported architecture \"\(className ?? modelType ?? "(none)")\" (rat runs: \(ArchitectureRegistry.huggingFaceList))")
            }
            family = f
            values = v
            path = folder.path
            gguf = nil
            weights = try SafetensorsWeights(folder: folder)
        }
        let description = try asModelError { try family.describe(values) }
        let file = path
        try asModelError { try description.validate(file: file) }
        architecture = description
        let format = values.format, store = weights
        func source(_ role: TensorRole, _ layer: Int) throws(ModelError) -> TensorSource {
            guard let s = family.source(role, layer: layer, description, format: format, store: store) else {
                throw ModelError("\(store.path): the \(description.family) family has no tensor for \(role)")
            }
            return s
        }
        var modelSources: [TensorRole: TensorSource] = [:]
        for (role, shape) in description.modelRoles {
            let s = try source(role, 0)
            try Self.check(s, role: role, expected: shape, in: weights)
            modelSources[role] = s
        }
        var layerSources: [[(TensorRole, TensorSource)]] = []
        for l in 0..<description.config.layerCount {
            var sources: [(TensorRole, TensorSource)] = []
            for (role, shape) in description.roles(layer: l) {
                let s = try source(role, l)
                try Self.check(s, role: role, expected: shape, in: weights)
                sources.append((role, s))
            }
            layerSources.append(sources)
        }
        self.modelSources = modelSources
        floatWeights = try FloatWeights(store: weights, layerSources: layerSources, residency: residency)
    }

    /// A model-level role's tensor (checked at load).
    func source(_ role: TensorRole) -> TensorSource {
        guard let s = modelSources[role] else { preconditionFailure("no source for \(role), which the load checked") }
        return s
    }

    /// The tensor exists and, read as `source` says (transposed, one expert, some rows), has `expected` shape.
    private static func check(_ source: TensorSource, role: TensorRole, expected: [Int], in weights: WeightStore) throws(ModelError) {
        let t = try weights.tensor(source.name)
        var shape = source.transposed ? t.shape.reversed() : t.shape
        func fail(_ why: String) -> ModelError {
            ModelError("\(weights.path): tensor \"\(source.name)\" (\(role)) has shape \(t.shape), \(why)")
        }
        if source.transposed && t.shape.count != 2 { throw fail("expected a 2-D matrix to transpose") }
        if let e = source.expert {
            guard shape.count == 3, e < shape[0] else { throw fail("expected experts stacked [experts][rows][columns] with expert \(e)") }
            shape.removeFirst()
        }
        if let rows = source.rows {
            guard let total = source.fusedRows, shape.first == total, rows.upperBound <= total else {
                throw fail("expected \(source.fusedRows ?? 0) fused rows")
            }
            shape[0] = rows.count
        }
        guard shape == expected else { throw fail("expected \(expected)\(source.rows == nil && source.expert == nil ? "" : " for \(source)")") }
    }

    /// Resolves a layer index (negative counts from the end).
    public func resolveLayer(_ layer: Int) throws(ModelError) -> Int {
        let resolved = layer < 0 ? config.layerCount + layer : layer
        guard resolved >= 0 && resolved < config.layerCount else {
            throw ModelError("layer \(layer) out of range: the model has \(config.layerCount) layers (0...\(config.layerCount - 1), or -1...-\(config.layerCount))")
        }
        return resolved
    }

    /// Runs `plan` on new positions `ids`. With a `cache`, they follow the cached positions, attend
    /// to them, and are appended to the cache (the plan must then run every layer). `attentionMask`
    /// (one entry per id, false = padding) hides padded keys from every query, as transformers does
    /// with a 2-D attention mask. With a `stream`, the captured layers' attention goes to it block
    /// by block as the pass computes it (`PassResult.attention` is then empty).
    public func run(
        _ ids: [Int], plan: PassPlan, cache: KVCache? = nil, attentionMask: [Bool]? = nil, stream: AttentionStream? = nil
    ) throws(ModelError) -> PassResult {
        try validate(ids)
        let last = try plan.throughLayer.map(resolveLayer) ?? config.layerCount - 1
        var captures: [Int: HeadAggregation] = [:]
        for (layer, aggregation) in plan.captures {
            let resolved = try resolveLayer(layer)
            guard resolved <= last else { throw ModelError("layer \(layer) is captured but the pass stops at layer \(last)") }
            captures[resolved] = aggregation
        }
        var candidates: CandidatePlan?
        if let plan = plan.candidates {
            let layers = try Set(plan.layers.map(resolveLayer)).sorted()
            if let beyond = layers.last, beyond > last {
                throw ModelError("layer \(beyond) is explored but the pass stops at layer \(last)")
            }
            guard (1...AttentionCandidates.maximumCap).contains(plan.cap) else {
                throw ModelError("candidates per row must be 1...\(AttentionCandidates.maximumCap), got \(plan.cap)")
            }
            candidates = CandidatePlan(layers: layers, cap: plan.cap, sinkPositions: plan.sinkPositions)
        }
        if let attentionMask {
            guard attentionMask.count == ids.count else {
                throw ModelError("attention mask has \(attentionMask.count) entries for \(ids.count) tokens")
            }
        }
        let mask = attentionMask.flatMap { $0.allSatisfy { $0 } ? nil : $0 }
        if let cache {
            guard cache.layers == config.layerCount, cache.width == config.kvHeadCount * config.headDim else {
                throw ModelError("the KV cache was made for another model")
            }
            guard last == config.layerCount - 1 else {
                throw ModelError("a pass with a KV cache must run every layer (it stops at layer \(last))")
            }
            guard mask == nil else { throw ModelError("attention masks with a KV cache are not supported") }
        }
        var valueNormLayer: Int?
        if let layer = plan.valueNormLayer {
            let resolved = try resolveLayer(layer)
            guard resolved <= last, captures[resolved] == nil, cache == nil else {
                throw ModelError("value-weighted attention of layer \(layer) needs a pass through it, without a KV cache or another capture of that layer")
            }
            valueNormLayer = resolved
        }
        let residualLayer = try plan.residualLayer.map(resolveLayer)
        let first = plan.resume?.layer ?? 0
        var knockouts: [Int: [Int: Set<Int>]] = [:]
        for k in plan.knockouts {
            let layer = try resolveLayer(k.layer)
            guard k.query >= 0, k.query < ids.count, k.key >= 0, k.key <= k.query else {
                throw ModelError("knockout of key \(k.key) for query \(k.query) in layer \(k.layer): needs 0 <= key <= query < \(ids.count)")
            }
            knockouts[layer, default: [:]][k.query, default: []].insert(k.key)
        }
        if cache != nil && (residualLayer != nil || plan.resume != nil || !knockouts.isEmpty) {
            throw ModelError("residual streams and knockouts are for passes without a KV cache")
        }
        if let resume = plan.resume {
            guard resume.layer >= 0, resume.layer <= last, resume.values.count == ids.count * config.hiddenSize else {
                throw ModelError("a pass resumed at layer \(resume.layer) needs \(ids.count) × \(config.hiddenSize) residual values through layer \(last), got \(resume.values.count)")
            }
        }
        let earliest = [captures.keys.min(), candidates?.layers.first, valueNormLayer, residualLayer, knockouts.keys.min()].compactMap { $0 }.min()
        if let earliest, earliest < first || (residualLayer ?? first) > last {
            throw ModelError("the pass runs layers \(first)...\(last): it cannot keep or change layer \(earliest)")
        }
        let (workers, blockRows, columnWorkers) = ForwardPass.split(rows: ids.count, threads: threads ?? computeThreads)
        // Streamed captures keep one block of rows per worker instead of whole matrices.
        var budgetCaptures = stream == nil ? captures : [:]
        if let valueNormLayer { budgetCaptures[valueNormLayer] = HeadAggregation.none }
        let streamedHeads = stream == nil ? 0 : captures.values.map { $0 == .none ? config.headCount : 1 }.max() ?? 0
        // Attention scratch is per worker of either kind (see `ForwardPass.scores`).
        try MemoryBudget(
            config: config, n: ids.count, offset: cache?.count ?? 0, workers: max(workers, columnWorkers),
            blockRows: blockRows, captures: budgetCaptures, streamedHeads: streamedHeads, candidates: candidates,
            logits: plan.logits, cache: cache != nil,
            intermediate: ForwardPass.intermediateWidth(config, architecture.block),
            weights: floatWeights.bytesForNextPass(storedProducts: valueNormLayer == nil && ids.count <= StoredMatrix.rowsMax)
        ).check(available: MemoryBudget.available())
        let pass = try ForwardPass(model: self, ids: ids, attentionMask: mask, cache: cache, storedProducts: valueNormLayer == nil)
        return try pass.run(
            from: plan.resume, through: last, captures: captures, logits: plan.logits, candidates: candidates, valueNormLayer: valueNormLayer,
            residualLayer: residualLayer, knockouts: knockouts, stream: stream)
    }

    /// Streams the attention of `layers` (negative counts from the end) for `ids` to `stream` as
    /// one pass computes it, aggregated over the heads as `aggregation` says (`.none`: every
    /// head): any number of layers and heads in memory linear in the text.
    public func streamAttention(
        ids: [Int], layers: [Int], aggregation: HeadAggregation, attentionMask: [Bool]? = nil, to stream: AttentionStream
    ) throws(ModelError) {
        var resolved: [Int] = []
        for layer in layers { resolved.append(try resolveLayer(layer)) }
        guard let last = resolved.max() else { return }
        _ = try run(ids, plan: PassPlan(throughLayer: last, captures: Dictionary(resolved.map { ($0, aggregation) }) { a, _ in a }),
                    attentionMask: attentionMask, stream: stream)
    }

    /// The attention probabilities of one layer for `ids`, computing only what that needs:
    /// layers up to `layer`, positions up to `lastPosition` (later positions cannot change
    /// earlier rows of a causal model), no LM head.
    public func attention(
        ids: [Int], layer: Int = -1, aggregation: HeadAggregation = .mean, lastPosition: Int? = nil,
        attentionMask: [Bool]? = nil
    ) throws(ModelError) -> AttentionCapture {
        let count = try prefixLength(ids, lastPosition: lastPosition)
        let result = try run(Array(ids.prefix(count)), plan: .attention(layer: layer, aggregation),
                             attentionMask: attentionMask.map { Array($0.prefix(count)) })
        return result.attention[0]
    }

    /// Value-weighted attention of one layer (Kobayashi et al. 2020): how much each earlier
    /// position's value, through the output projection, moves each position's output, rows
    /// normalized to 1. Layers up to `layer` and positions up to `lastPosition` are computed.
    public func valueWeightedAttention(
        ids: [Int], layer: Int = -1, lastPosition: Int? = nil, attentionMask: [Bool]? = nil
    ) throws(ModelError) -> AttentionCapture {
        let count = try prefixLength(ids, lastPosition: lastPosition)
        let result = try run(Array(ids.prefix(count)), plan: PassPlan(throughLayer: layer, valueNormLayer: layer),
                             attentionMask: attentionMask.map { Array($0.prefix(count)) })
        return result.valueNorm!
    }

    /// Attention of every layer (each aggregated or per head), in one pass.
    public func allLayerAttention(
        ids: [Int], aggregation: HeadAggregation = .mean, lastPosition: Int? = nil
    ) throws(ModelError) -> [AttentionCapture] {
        let count = try prefixLength(ids, lastPosition: lastPosition)
        var captures: [Int: HeadAggregation] = [:]
        for l in 0..<config.layerCount { captures[l] = aggregation }
        return try run(Array(ids.prefix(count)), plan: PassPlan(captures: captures)).attention
    }

    /// Final hidden states `[seq][hidden]` (after the final norm) and logits `[seq][vocab]`.
    public func forward(ids: [Int]) throws(ModelError) -> (hiddenStates: [Float], logits: [Float]) {
        let result = try run(ids, plan: PassPlan(logits: .allPositions))
        return (result.hiddenStates, result.logits)
    }

    /// Every id is in the vocabulary and the sequence is not empty.
    private func validate(_ ids: [Int]) throws(ModelError) {
        guard !ids.isEmpty else { throw ModelError("no token ids: the sequence is empty") }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabularySize }) {
            throw ModelError("token id \(bad) out of range: the vocabulary has \(config.vocabularySize) tokens")
        }
    }

    /// How many ids a pass needs to reach `lastPosition` (negative counts from the end).
    private func prefixLength(_ ids: [Int], lastPosition: Int?) throws(ModelError) -> Int {
        try validate(ids)
        let last = lastPosition.map { $0 < 0 ? ids.count + $0 : $0 } ?? ids.count - 1
        guard last >= 0 && last < ids.count else {
            throw ModelError("last position \(lastPosition!) out of range for \(ids.count) tokens")
        }
        return last + 1
    }
}
