import Foundation

/// The reference's `ReverseAttentionTracer`, in Swift: run the model on a text or ids, take one
/// layer's attention, search back from the target, and build the `TraceResult` (and the page).
public final class ReverseAttentionTracer: @unchecked Sendable {
    /// The model whose attention is traced.
    public let model: CausalLanguageModel
    /// The model's tokenizer: it encodes texts and names each position's token.
    public let tokenizer: Tokenizer

    /// A tracer over a model and tokenizer already loaded.
    public init(model: CausalLanguageModel, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// Loads a model and its tokenizer: a GGUF file, a HuggingFace folder, or a cached repo id.
    public convenience init(loading name: String, residency: WeightResidency = .automatic) throws {
        let loaded = try LoadedModel(name, residency: residency)
        self.init(model: loaded.model, tokenizer: loaded.tokenizer)
    }

    /// Timings of the last trace, in seconds (for progress and summary lines).
    public private(set) var lastTimings: [String: Double] = [:]

    /// Traces attention back from `targetPos` (negative counts from the end).
    ///
    /// As the reference: `attentionMask` defaults to `ids != pad` when the tokenizer has a pad
    /// token, else all ones; BOS positions are where `bosTokenID` (default: the tokenizer's) occurs.
    /// Only layers up to `layer` and positions up to the target are computed, unless `explore`
    /// asks for more: then one pass over the whole text also keeps each row's `exploreCap`
    /// strongest predecessors (at least `topK`) in the explored layers, as `result.explorer`.
    /// `acrossLayers` searches paths through layers `0...layer` (see `LayeredGraph`) instead of
    /// within `layer`; `verify` then measures each path's effect on the prediction (`Faithfulness`).
    public func trace(
        inputIDs: [Int], targetPos: Int = -1, attentionMask: [Int]? = nil, layer: Int = -1, topBeam: Int = 5,
        topK: Int = 5, minAttn: Double = 0, aggHeads: HeadAggregation = .mean, lengthNorm: String = "avg_logprob",
        stopAtBOS: Bool = true, bosTokenID: Int? = nil, search: SearchMode = .beam, text: String? = nil,
        explore: ExploreLayers = .none, exploreCap: Int = ExplorerData.defaultCap, sink: SinkOptions? = nil,
        weighting: AttentionWeighting = .attention, acrossLayers: Bool = false, verify: VerifyOptions? = nil
    ) throws -> (result: TraceResult, warnings: [String]) {
        guard topBeam >= 1 else { throw TraceError("top_beam must be >= 1, got \(topBeam)") }
        guard topK >= 1 else { throw TraceError("top_k must be >= 1, got \(topK)") }
        guard aggHeads != .none else {
            throw TraceError("agg_heads 'none' is not supported for beam search. Use 'mean' or 'max' to aggregate attention heads.")
        }
        let normalization = try LengthNormalization(parsing: lengthNorm)
        let seqLen = inputIDs.count
        guard seqLen >= 1 else { throw TraceError("the text has no tokens: nothing to trace") }
        let target = targetPos < 0 ? seqLen + targetPos : targetPos
        guard target >= 0 && target < seqLen else {
            throw TraceError("target position \(targetPos) out of range for sequence length \(seqLen)")
        }
        let resolvedLayer = try model.resolveLayer(layer)
        if let attentionMask, attentionMask.count != seqLen {
            throw TraceError("attention mask has \(attentionMask.count) entries for \(seqLen) tokens")
        }
        let mask: [Bool] = attentionMask.map { $0.map { $0 != 0 } }
            ?? inputIDs.map { id in tokenizer.padTokenID.map { id != $0 } ?? true }
        // Sink positions name the text's positions.
        try sink?.validate(sequenceLength: seqLen)
        if acrossLayers && weighting != .attention {
            throw TraceError("--across-layers walks attention (Â = 0.5·I + 0.5·A per layer); --weighting \(weighting.rawValue) is for one layer")
        }
        if acrossLayers && topK + Set(sink?.positions ?? [0]).count > AttentionCandidates.maximumCap {
            throw TraceError("--across-layers keeps at most \(AttentionCandidates.maximumCap - Set(sink?.positions ?? [0]).count) edges per node; got --top-k \(topK)")
        }
        if let verify, verify.baselineSets < 0 {
            throw TraceError("--verify-baseline must be >= 0, got \(verify.baselineSets)")
        }

        // The explorer holds attention weights; value weighting has no explorer (yet).
        let explore = weighting == .valueNorm ? ExploreLayers.none : explore
        let (exploredLayers, note) = try explore.resolve(
            traced: resolvedLayer, layerCount: model.config.layerCount, tokens: seqLen, resolveLayer: model.resolveLayer)
        guard (1...AttentionCandidates.maximumCap).contains(exploreCap) else {
            throw TraceError("explore cap must be 1...\(AttentionCandidates.maximumCap), got \(exploreCap)")
        }

        var (result, warnings): (TraceResult, [String])
        if acrossLayers {
            (result, warnings) = try traceAcrossLayers(
                inputIDs: inputIDs, target: target, mask: mask, layer: resolvedLayer, topBeam: topBeam, topK: topK, minAttn: minAttn,
                aggHeads: aggHeads, normalization: normalization, bosTokenID: bosTokenID, search: search, text: text,
                exploredLayers: exploredLayers, exploreCap: exploreCap, note: note, sink: sink)
        } else {
            (result, warnings) = try traceOneLayer(
                inputIDs: inputIDs, target: target, mask: mask, layer: resolvedLayer, topBeam: topBeam, topK: topK, minAttn: minAttn,
                aggHeads: aggHeads, normalization: normalization, stopAtBOS: stopAtBOS, bosTokenID: bosTokenID, search: search,
                text: text, exploredLayers: exploredLayers, exploreCap: exploreCap, note: note, sink: sink, weighting: weighting)
        }
        if let verify {
            let verifyStart = Date()
            result.faithfulness = try Faithfulness.measure(
                paths: result.beams, layer: resolvedLayer, model: model, ids: Array(inputIDs.prefix(target + 1)),
                mask: Array(mask.prefix(target + 1)), options: verify, tokenString: tokenizer.tokenString)
            lastTimings["verify"] = Date().timeIntervalSince(verifyStart)
        }
        return (result, warnings)
    }

    /// Paths within one layer. Attention weights: one pass keeps each row's strongest
    /// predecessors in the traced layer (memory linear in the text), over the text through the
    /// target, or over all of it with the explored layers for the page. Value-weighted attention,
    /// or a `top_k` beyond what a row can keep: the whole matrix through the target.
    private func traceOneLayer(
        inputIDs: [Int], target: Int, mask: [Bool], layer resolvedLayer: Int, topBeam: Int, topK: Int, minAttn: Double,
        aggHeads: HeadAggregation, normalization: LengthNormalization, stopAtBOS: Bool, bosTokenID: Int?, search: SearchMode,
        text: String?, exploredLayers: [Int], exploreCap: Int, note: String?, sink: SinkOptions?, weighting: AttentionWeighting
    ) throws -> (result: TraceResult, warnings: [String]) {
        let start = Date()
        let searched: SearchedAttention
        var explorer: ExplorerData?
        let exploring = !exploredLayers.isEmpty
        // A row keeps at most `maximumCap` entries, sinks included.
        let rowsFit = topK + Set(sink?.positions ?? [0]).count <= AttentionCandidates.maximumCap
        if weighting == .valueNorm {
            searched = .matrix(try model.valueWeightedAttention(ids: inputIDs, layer: resolvedLayer, lastPosition: target, attentionMask: mask))
        } else if !exploring && !rowsFit {
            searched = .matrix(try model.attention(
                ids: inputIDs, layer: resolvedLayer, aggregation: aggHeads, lastPosition: target, attentionMask: mask))
        } else {
            // Every position (the page may pick any target) through the deepest explored layer,
            // or the positions through the target.
            let ids = exploring ? inputIDs : Array(inputIDs.prefix(target + 1))
            let layers = exploring ? exploredLayers : [resolvedLayer]
            let plan = ExplorerData.plan(
                layers: layers, cap: exploring ? max(exploreCap, topK) : topK, sinks: sink?.positions, tokens: ids.count)
            let pass = try model.run(
                ids, plan: PassPlan(throughLayer: layers.last!, captures: rowsFit ? [:] : [resolvedLayer: aggHeads], candidates: plan),
                attentionMask: Array(mask.prefix(ids.count)))
            searched = rowsFit ? .candidates(pass.candidates!, layer: resolvedLayer) : .matrix(pass.attention[0])
            if exploring {
                explorer = ExplorerData(
                    candidates: pass.candidates!, bosPositions: bosPositions(in: inputIDs, bosTokenID: bosTokenID), tokenIDs: inputIDs,
                    note: note)
            }
        }
        let attentionTime = Date().timeIntervalSince(start)

        let searchStart = Date()
        var (result, warnings) = try searchResult(
            searched, inputIDs: inputIDs, target: target, mask: mask, topBeam: topBeam, topK: topK,
            minAttn: minAttn, aggHeads: aggHeads, normalization: normalization, stopAtBOS: stopAtBOS,
            bosTokenID: bosTokenID, search: search, text: text, sink: sink)
        result.explorer = explorer
        if weighting == .valueNorm {
            result.settings?.weighting = weighting
            result.settings?.aggHeads = nil
        }
        lastTimings = ["attention": attentionTime, "search": Date().timeIntervalSince(searchStart)]
        return (result, warnings)
    }

    /// Paths through layers `0...layer`: one pass keeps each layer's candidates and diagonal
    /// (memory linear in the text), over the text through the target, or over all of it for the
    /// explorer (which then also explores layers `0...layer`).
    private func traceAcrossLayers(
        inputIDs: [Int], target: Int, mask: [Bool], layer: Int, topBeam: Int, topK: Int, minAttn: Double,
        aggHeads: HeadAggregation, normalization: LengthNormalization, bosTokenID: Int?, search: SearchMode, text: String?,
        exploredLayers: [Int], exploreCap: Int, note: String?, sink: SinkOptions?
    ) throws -> (result: TraceResult, warnings: [String]) {
        let exploring = !exploredLayers.isEmpty
        let ids = exploring ? inputIDs : Array(inputIDs.prefix(target + 1))
        let layers = Array(Set(exploredLayers).union(0...layer)).sorted()
        let plan = ExplorerData.plan(
            layers: layers, cap: exploring ? max(exploreCap, topK) : topK, sinks: sink?.positions, tokens: ids.count)
        let start = Date()
        let pass = try model.run(
            ids, plan: PassPlan(throughLayer: layers.last!, candidates: plan), attentionMask: Array(mask.prefix(ids.count)))
        let attentionTime = Date().timeIntervalSince(start)
        let candidates = pass.candidates!
        let graph = try LayeredGraph(
            candidates: candidates, aggregation: aggHeads, tracedLayer: layer, target: target, topK: topK, minAttention: minAttn,
            sink: sink)
        let sinkMass = sink.map { _ in
            candidates.sinkMasses[candidates.slot(
                layerIndex: candidates.layers.firstIndex(of: layer)!, aggregationIndex: candidates.aggregations.firstIndex(of: aggHeads)!,
                position: target)]
        }
        let found = searchLayeredPaths(in: graph, topBeam: topBeam, normalization: normalization, mode: search, sinkMass: sinkMass)
        // Every path runs to layer 0: BOS tokens do not end them.
        let options = PathSearchOptions(
            targetPosition: target, topBeam: topBeam, topK: topK, minAttention: minAttn, lengthNormalization: normalization,
            stopAtBOS: false, sink: sink)
        var settings = TraceSettings(aggHeads: aggHeads, model: model.path, text: text)
        settings.acrossLayers = true
        var result = try TraceResult(
            search: found, tokens: inputIDs.map(tokenizer.tokenString), tokenIDs: inputIDs, layer: layer, options: options,
            extraSettings: settings)
        if exploring {
            result.explorer = ExplorerData(
                candidates: candidates, bosPositions: bosPositions(in: inputIDs, bosTokenID: bosTokenID), tokenIDs: inputIDs, note: note)
        }
        lastTimings = ["attention": attentionTime, "search": Date().timeIntervalSince(start) - attentionTime]
        return (result, found.warnings)
    }

    /// Where `bosTokenID` (default: the tokenizer's BOS) occurs in `ids`.
    private func bosPositions(in ids: [Int], bosTokenID: Int?) -> [Int] {
        guard let id = bosTokenID ?? tokenizer.bosTokenID else { return [] }
        return ids.indices.filter { ids[$0] == id }
    }

    /// What a one-layer search reads: a captured matrix, or a pass's candidates of one layer.
    enum SearchedAttention {
        case matrix(AttentionCapture)
        case candidates(AttentionCandidates, layer: Int)

        var layer: Int {
            switch self {
            case .matrix(let capture): capture.layer
            case .candidates(_, let layer): layer
            }
        }
    }

    /// Path search from `target` over rows `0...target` of `attention` (which may hold more), and
    /// the `TraceResult` over the tokens of `inputIDs`.
    func searchResult(
        _ attention: SearchedAttention, inputIDs: [Int], target: Int, mask: [Bool], topBeam: Int, topK: Int, minAttn: Double,
        aggHeads: HeadAggregation, normalization: LengthNormalization, stopAtBOS: Bool, bosTokenID: Int?,
        search: SearchMode, text: String?, sink: SinkOptions? = nil
    ) throws -> (result: TraceResult, warnings: [String]) {
        let size = target + 1
        // Sink positions name the text's positions; those after the target have no column here.
        try sink?.validate(sequenceLength: inputIDs.count)
        let sinkHere = sink.map { SinkOptions($0.handling, positions: $0.positions.filter { $0 < size }) }
        // Only positions up to the target can be on a path (the matrix stops there).
        let bosPositions = stopAtBOS ? self.bosPositions(in: Array(inputIDs.prefix(size)), bosTokenID: bosTokenID) : []
        let options = PathSearchOptions(
            targetPosition: target, topBeam: topBeam, topK: topK, minAttention: minAttn,
            lengthNormalization: normalization, stopAtBOS: stopAtBOS, bosPositions: bosPositions,
            mask: Array(mask.prefix(size)), sink: sinkHere)
        let found: PathSearchResult
        switch attention {
        case .matrix(let capture):
            // The matrix covers positions 0...target; the paths never go past the target.
            var values = [Float](repeating: 0, count: size * size)
            for r in 0..<size {
                values.replaceSubrange((r * size)..<((r + 1) * size), with: capture.values[(r * capture.size)..<(r * capture.size + size)])
            }
            found = try searchPaths(in: try AttentionMatrix(size: size, values: values), options: options, mode: search)
        case .candidates(let candidates, let layer):
            found = try searchPaths(
                in: candidates, layer: layer, aggregation: aggHeads, sequenceLength: size, options: options, mode: search)
        }
        let tokens = inputIDs.map(tokenizer.tokenString)
        let settings = TraceSettings(aggHeads: aggHeads, model: model.path, text: text)
        // The tokens cover the whole sequence, so seq_len is the text's length, not the matrix's.
        var result = try TraceResult(
            search: found, tokens: tokens, tokenIDs: inputIDs, layer: attention.layer, options: options, extraSettings: settings)
        // trace.json names the positions asked for, not only those up to the target.
        if let sink { result.settings?.sinkPositions = sink.positions }
        return (result, found.warnings)
    }

    /// Tokenizes `text` as the model's tokenizer does (all-ones mask) and traces it.
    public func traceText(
        _ text: String, targetPos: Int = -1, layer: Int = -1, topBeam: Int = 5, topK: Int = 5, minAttn: Double = 0,
        aggHeads: HeadAggregation = .mean, lengthNorm: String = "avg_logprob", stopAtBOS: Bool = true,
        bosTokenID: Int? = nil, search: SearchMode = .beam, explore: ExploreLayers = .none,
        exploreCap: Int = ExplorerData.defaultCap, sink: SinkOptions? = nil, weighting: AttentionWeighting = .attention,
        acrossLayers: Bool = false, verify: VerifyOptions? = nil
    ) throws -> (result: TraceResult, warnings: [String]) {
        let ids = tokenizer.encode(text)
        return try trace(
            inputIDs: ids, targetPos: targetPos, attentionMask: Array(repeating: 1, count: ids.count), layer: layer,
            topBeam: topBeam, topK: topK, minAttn: minAttn, aggHeads: aggHeads, lengthNorm: lengthNorm,
            stopAtBOS: stopAtBOS, bosTokenID: bosTokenID, search: search, text: text, explore: explore, exploreCap: exploreCap,
            sink: sink, weighting: weighting, acrossLayers: acrossLayers, verify: verify)
    }

    /// Writes `outDir/index.html` (the self-contained page) and `outDir/trace.json`; returns the page.
    @discardableResult
    public func renderHTML(_ result: TraceResult, outDir: String, openBrowser: Bool = false) throws -> URL {
        let page = try TracePage.write(result, to: URL(fileURLWithPath: outDir))
        if openBrowser { openWithSystem(page) }
        return page
    }
}

/// Opens a file with the platform's opener (xdg-open, open); failure is only a warning on stderr.
public func openWithSystem(_ file: URL) {
    #if os(macOS)
    let opener = "/usr/bin/open"
    #else
    let opener = "/usr/bin/xdg-open"
    #endif
    let process = Process()
    process.executableURL = URL(fileURLWithPath: opener)
    process.arguments = [file.absoluteString]
    do { try process.run() } catch {
        FileHandle.standardError.write(Data("warning: could not open a browser (\(opener)): open \(file.path) yourself\n".utf8))
    }
}
