/// Which search finds the paths.
public enum SearchMode: String, Sendable, CaseIterable, Codable {
    /// The reference's beam search: fast, may miss the best paths.
    case beam
    /// Dynamic programming over the candidate graph: provably the best `top_beam` paths.
    case exact
}

/// How beam search did against the exact optimum on the same candidate graph.
public struct SearchComparison: Sendable, Equatable, Codable {
    /// Best normalized score beam search found.
    public let beamBestScore: Double
    /// The best normalized score over all paths of the candidate graph.
    public let exactBestScore: Double
    /// Beam search's best path is an optimal one.
    public let beamFoundOptimum: Bool
    /// exactBestScore - beamBestScore (0 when beam search found the optimum).
    public let scoreGap: Double
    /// How many of the exact top paths beam search also returned.
    public let beamPathsInExactTop: Int
    /// How many paths the exact search returned.
    public let exactPathCount: Int

    enum CodingKeys: String, CodingKey {
        case beamBestScore = "beam_best_score"
        case exactBestScore = "exact_best_score"
        case beamFoundOptimum = "beam_found_optimum"
        case scoreGap = "score_gap"
        case beamPathsInExactTop = "beam_paths_in_exact_top"
        case exactPathCount = "exact_path_count"
    }

    init(beam: [ScoredPath], exact: [ScoredPath]) {
        let beamBest = beam.first?.normalizedScore ?? -.infinity
        let exactBest = exact.first?.normalizedScore ?? -.infinity
        beamBestScore = beamBest
        exactBestScore = exactBest
        beamFoundOptimum = beamBest >= exactBest
        scoreGap = max(0, exactBest - beamBest)
        let exactPaths = Set(exact.map(\.positions))
        beamPathsInExactTop = beam.filter { exactPaths.contains($0.positions) }.count
        exactPathCount = exact.count
    }
}

/// The outcome of a path search over one matrix.
public struct PathSearchResult: Sendable {
    /// Best first.
    public let paths: [ScoredPath]
    /// The resolved target position.
    public let target: Int
    /// The search that found `paths`.
    public let mode: SearchMode
    /// With `.exact`: how beam search compares.
    public let comparison: SearchComparison?
    /// Things the caller should tell the user (e.g. stop_at_bos without any BOS position).
    public let warnings: [String]
    /// With `options.sink`: the target row's share of attention on the sink positions, before
    /// they were dropped.
    public var sinkMass: Double? = nil
}

/// Finds the paths along which attention flows back from the target.
public func searchPaths(
    in matrix: AttentionMatrix, options: PathSearchOptions = PathSearchOptions(), mode: SearchMode = .beam
) throws(TraceError) -> PathSearchResult {
    let target = try options.validated(sequenceLength: matrix.size)
    let searched = try options.sink.map { sink throws(TraceError) in try matrix.applyingSinks(sink) } ?? matrix
    let graph = PredecessorGraph(
        matrix: searched, upTo: target, topK: options.topK, minAttention: options.minAttention, mask: options.mask)
    var result = search(graph, target: target, options: options, mode: mode)
    result.sinkMass = options.sink.map { matrix.sinkMass(row: target, positions: $0.positions) }
    return result
}

/// Path search over one layer of a pass's candidates (`AttentionCandidates`: each row's
/// strongest predecessors, with their sink sums) instead of its whole matrix: the same paths, in
/// memory linear in the text. `options` describe positions `0..<sequenceLength`, rows the
/// candidates hold from 0; each row must hold `topK` entries besides the sink positions, and
/// padding was left out when they were kept.
func searchPaths(
    in candidates: AttentionCandidates, layer: Int, aggregation: HeadAggregation, sequenceLength: Int,
    options: PathSearchOptions, mode: SearchMode
) throws(TraceError) -> PathSearchResult {
    let target = try options.validated(sequenceLength: sequenceLength)
    guard let l = candidates.layers.firstIndex(of: layer), let a = candidates.aggregations.firstIndex(of: aggregation),
          candidates.firstRow == 0, candidates.rows >= sequenceLength else {
        throw TraceError("the pass kept no \(aggregation) candidates of layer \(layer) for positions 0..<\(sequenceLength)")
    }
    guard candidates.cap >= options.topK + candidates.sinkPositions.count else {
        throw TraceError("the pass kept \(candidates.cap) candidates per row: too few for top_k \(options.topK)")
    }
    try candidates.requireSinkSums(for: options.sink, upTo: target)
    let graph = PredecessorGraph(
        candidates: candidates, layerIndex: l, aggregationIndex: a, upTo: target, topK: options.topK,
        minAttention: options.minAttention, sink: options.sink)
    var result = search(graph, target: target, options: options, mode: mode)
    result.sinkMass = options.sink.map { _ in candidates.sinkMasses[candidates.slot(layerIndex: l, aggregationIndex: a, position: target)] }
    return result
}

/// Beam search, and with `.exact` the exact search and how beam search compares, over `graph`.
private func search(_ graph: PredecessorGraph, target: Int, options: PathSearchOptions, mode: SearchMode) -> PathSearchResult {
    var warnings: [String] = []
    if options.stopAtBOS && options.bosPositions.isEmpty {
        warnings.append("stop_at_bos is on but the sequence has no BOS token: paths run until position 0")
    }
    let beam = BeamSearch.run(graph: graph, target: target, options: options)
    var result: PathSearchResult
    switch mode {
    case .beam:
        result = PathSearchResult(paths: beam, target: target, mode: mode, comparison: nil, warnings: warnings)
    case .exact:
        let exact = ExactSearch.run(graph: graph, target: target, options: options)
        result = PathSearchResult(
            paths: exact, target: target, mode: mode, comparison: SearchComparison(beam: beam, exact: exact),
            warnings: warnings)
    }
    return result
}
