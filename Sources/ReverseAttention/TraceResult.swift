import Foundation

/// Everything one trace produced, as the reference's `TraceResult`, plus what rat adds (the
/// search settings and, for exact search, how beam search compares).
public struct TraceResult: Sendable, Equatable {
    /// The number of tokens in the text (trace.json's `seq_len`), which may run past the target.
    public var seqLen: Int
    /// Resolved (non-negative) target position.
    public var targetPos: Int
    /// Resolved (non-negative) layer index.
    public var layer: Int
    /// How many paths the search kept (`top_beam`).
    public var topBeam: Int
    /// How many predecessors of each position the search considered (`top_k`).
    public var topK: Int
    /// Every position's token, decoded alone.
    public var tokens: [String]
    /// The paths found, best first.
    public var beams: [BeamPath]
    /// The paths as a Sankey diagram, as the page draws them.
    public var sankey: SankeyData
    /// One line per beam, see `BeamPath.text`.
    public var pathsText: [String]
    /// rat's additions; nil when read from a reference trace.json that lacks them.
    public var settings: TraceSettings?
    /// With exact search: how beam search did on the same candidate graph; nil with beam search.
    public var searchComparison: SearchComparison?
    /// What the page needs to re-run the search for any target, layer and setting (not part of
    /// trace.json; see `ExplorerData`).
    public var explorer: ExplorerData?
    /// `--verify`: what knocking out each path's edges does to the model's prediction.
    public var faithfulness: Faithfulness?

    /// A result from its parts, stored as given; `explorer` and `faithfulness` start nil.
    public init(
        seqLen: Int, targetPos: Int, layer: Int, topBeam: Int, topK: Int, tokens: [String], beams: [BeamPath],
        sankey: SankeyData, pathsText: [String], settings: TraceSettings? = nil, searchComparison: SearchComparison? = nil
    ) {
        self.seqLen = seqLen
        self.targetPos = targetPos
        self.layer = layer
        self.topBeam = topBeam
        self.topK = topK
        self.tokens = tokens
        self.beams = beams
        self.sankey = sankey
        self.pathsText = pathsText
        self.settings = settings
        self.searchComparison = searchComparison
    }

    /// Assembles a result from a search over a matrix whose positions carry `tokens` (and,
    /// if known, `tokenIDs`). `layer` labels the nodes (`L{layer}_P{pos}`).
    public init(
        search: PathSearchResult, tokens: [String], tokenIDs: [Int]? = nil, layer: Int,
        options: PathSearchOptions, extraSettings: TraceSettings? = nil
    ) throws(TraceError) {
        let seqLen = tokens.count
        if let tokenIDs, tokenIDs.count != seqLen {
            throw TraceError("\(tokenIDs.count) token ids for \(seqLen) tokens")
        }
        if let beyond = search.paths.flatMap(\.positions).first(where: { $0 >= seqLen }) {
            throw TraceError("\(seqLen) tokens given, but paths reach position \(beyond): give one token per matrix row")
        }
        let beams = search.paths.map { path in
            BeamPath(
                positions: path.positions,
                tokens: path.positions.map { tokens[$0] },
                tokenIDs: path.positions.map { tokenIDs?[$0] ?? -1 },
                edgeAttentions: path.edgeAttentions,
                scoreRaw: path.rawScore,
                scoreNorm: path.normalizedScore,
                layers: path.layers)
        }
        var settings = extraSettings ?? TraceSettings()
        settings.searchMode = search.mode
        settings.lengthNorm = options.lengthNormalization.description
        settings.minAttn = options.minAttention
        settings.stopAtBOS = options.stopAtBOS
        if let sink = options.sink {
            settings.sink = sink.handling
            settings.sinkPositions = sink.positions
            settings.sinkMass = search.sinkMass
        }
        self.init(
            seqLen: seqLen, targetPos: search.target, layer: layer, topBeam: options.topBeam, topK: options.topK,
            tokens: tokens, beams: beams, sankey: SankeyData(beams: beams, tokens: tokens, layer: layer),
            pathsText: beams.map(\.text), settings: settings, searchComparison: search.comparison)
    }
}

/// How a trace was made: written into trace.json's metadata beside the reference's fields.
public struct TraceSettings: Sendable, Equatable, Codable {
    /// The search that found the paths (`search_mode`).
    public var searchMode: SearchMode?
    /// The length normalization, as the reference spells it (`avg_logprob`, `sqrt`, …).
    public var lengthNorm: String?
    /// The threshold below which attention was not followed (`min_attn`).
    public var minAttn: Double?
    /// Whether paths ended at BOS tokens (always false through the layers).
    public var stopAtBOS: Bool?
    /// How the heads were aggregated (`mean` or `max`); absent with value-weighted attention.
    public var aggHeads: HeadAggregation?
    /// The traced model's path as rat resolved it: its GGUF file or HuggingFace folder (a repo id
    /// resolves to a snapshot in the local HuggingFace cache).
    public var model: String?
    /// The traced text, or the conversation as rendered; absent for token ids and for the traces
    /// of generated tokens.
    public var text: String?
    /// `--sink`, its positions, and the target row's share of attention on them before the change.
    public var sink: SinkHandling?
    /// The sink positions asked for (`--sink-positions`).
    public var sinkPositions: [Int]?
    /// The target row's share of attention on the sink positions, before they were dropped or
    /// renormalized away.
    public var sinkMass: Double?
    /// `value-norm` when the paths ran over value-weighted attention (absent: attention).
    public var weighting: AttentionWeighting?
    /// True when the paths run through the layers (`--across-layers`; absent: within one layer).
    public var acrossLayers: Bool?

    /// Settings with the given fields; nil fields are left out of trace.json (as are `weighting`
    /// and `acrossLayers` until set).
    public init(
        searchMode: SearchMode? = nil, lengthNorm: String? = nil, minAttn: Double? = nil, stopAtBOS: Bool? = nil,
        aggHeads: HeadAggregation? = nil, model: String? = nil, text: String? = nil, sink: SinkHandling? = nil,
        sinkPositions: [Int]? = nil, sinkMass: Double? = nil
    ) {
        self.sink = sink
        self.sinkPositions = sinkPositions
        self.sinkMass = sinkMass
        self.searchMode = searchMode
        self.lengthNorm = lengthNorm
        self.minAttn = minAttn
        self.stopAtBOS = stopAtBOS
        self.aggHeads = aggHeads
        self.model = model
        self.text = text
    }

    enum CodingKeys: String, CodingKey {
        case searchMode = "search_mode"
        case lengthNorm = "length_norm"
        case minAttn = "min_attn"
        case stopAtBOS = "stop_at_bos"
        case aggHeads = "agg_heads"
        case model, text, sink
        case sinkPositions = "sink_positions"
        case sinkMass = "sink_mass"
        case weighting
        case acrossLayers = "across_layers"
    }
}

// MARK: - trace.json

/// trace.json's `metadata` object: the reference's five fields, then rat's settings.
private struct Metadata: Codable {
    var seqLen: Int
    var targetPos: Int
    var layer: Int
    var topBeam: Int
    var topK: Int
    var settings: TraceSettings?

    enum CodingKeys: String, CodingKey {
        case seqLen = "seq_len"
        case targetPos = "target_pos"
        case layer
        case topBeam = "top_beam"
        case topK = "top_k"
    }

    init(seqLen: Int, targetPos: Int, layer: Int, topBeam: Int, topK: Int, settings: TraceSettings?) {
        self.seqLen = seqLen
        self.targetPos = targetPos
        self.layer = layer
        self.topBeam = topBeam
        self.topK = topK
        self.settings = settings
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        seqLen = try c.decode(Int.self, forKey: .seqLen)
        targetPos = try c.decode(Int.self, forKey: .targetPos)
        layer = try c.decode(Int.self, forKey: .layer)
        topBeam = try c.decode(Int.self, forKey: .topBeam)
        topK = try c.decode(Int.self, forKey: .topK)
        let extra = try TraceSettings(from: decoder)
        settings = extra == TraceSettings() ? nil : extra
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seqLen, forKey: .seqLen)
        try c.encode(targetPos, forKey: .targetPos)
        try c.encode(layer, forKey: .layer)
        try c.encode(topBeam, forKey: .topBeam)
        try c.encode(topK, forKey: .topK)
        // Same keyed container (same JSON object): the settings' keys follow the reference's.
        try settings?.encode(to: encoder)
    }
}

extension TraceResult: Codable {
    enum CodingKeys: String, CodingKey {
        case metadata, tokens, beams, sankey
        case pathsText = "paths_text"
        case searchComparison = "search_comparison"
        case faithfulness
    }

    /// Reads trace.json: rat's own, or the reference's (whose metadata lacks rat's settings).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let m = try c.decode(Metadata.self, forKey: .metadata)
        seqLen = m.seqLen
        targetPos = m.targetPos
        layer = m.layer
        topBeam = m.topBeam
        topK = m.topK
        settings = m.settings
        tokens = try c.decode([String].self, forKey: .tokens)
        beams = try c.decode([BeamPath].self, forKey: .beams)
        sankey = try c.decode(SankeyData.self, forKey: .sankey)
        pathsText = try c.decode([String].self, forKey: .pathsText)
        searchComparison = try c.decodeIfPresent(SearchComparison.self, forKey: .searchComparison)
        faithfulness = try c.decodeIfPresent(Faithfulness.self, forKey: .faithfulness)
    }

    /// Writes trace.json: the reference's fields, rat's settings in its metadata, and
    /// `search_comparison` and `faithfulness` when present.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(
            Metadata(seqLen: seqLen, targetPos: targetPos, layer: layer, topBeam: topBeam, topK: topK, settings: settings),
            forKey: .metadata)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(beams, forKey: .beams)
        try c.encode(sankey, forKey: .sankey)
        try c.encode(pathsText, forKey: .pathsText)
        try c.encodeIfPresent(searchComparison, forKey: .searchComparison)
        try c.encodeIfPresent(faithfulness, forKey: .faithfulness)
    }

    /// trace.json: UTF-8, pretty-printed (or on one line, for JSONL), the reference's field
    /// names, keys sorted (so the same trace is the same bytes every run).
    public func jsonData(pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a trace.json written by rat or by the reference.
    public static func decode(jsonData: Data) throws -> TraceResult {
        try JSONDecoder().decode(TraceResult.self, from: jsonData)
    }
}
