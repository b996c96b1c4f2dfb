import Foundation

/// The interactive page: ONE self-contained HTML file (data, CSS, SVG and script inline; no
/// CDN, no fetch), so it works opened straight from disk with no network.
///
/// Token text reaches the page only as escaped markup (the SVG labels) or inside the JSON data
/// block, where every `<` is written `\u003c` so no token can close the script element; the
/// script puts text into the DOM with `textContent` only.
public enum TracePage {
    /// The page of `trace`; with `live`, the page `rat serve` answers `GET /` with: a text box
    /// (and a chat box) whose Trace and Generate buttons ask the server and redraw in place.
    public static func html(_ trace: TraceResult, live: LivePage? = nil) throws -> String {
        let layout = SankeyLayout(trace.sankey)
        let data = PageData(
            trace: trace,
            labels: trace.tokens.map(TokenLabel.readable),
            palette: PaletteData(beams: Palette.beams, shared: Palette.shared, viridis: Palette.viridisStops))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var json = scriptSafe(String(decoding: try encoder.encode(data), as: UTF8.self))
        if let explorer = trace.explorer {
            json.removeLast()  // the closing brace
            json += ",\"explore\":" + (try exploreJSON(explorer, tokens: trace.tokens.count)) + "}"
        }
        let title = "Reverse Attention Trace: \(TokenLabel.readable(trace.tokens.indices.contains(trace.targetPos) ? trace.tokens[trace.targetPos] : "")) (position \(trace.targetPos), layer \(trace.layer))"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="UTF-8">
            <meta name="viewport" content="width=device-width, initial-scale=1.0">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\(live == nil ? "" : "; connect-src 'self'")">
            <title>\(escapeMarkup(title))</title>
            <style>
            \(pageStyle)
            </style>
            </head>
            <body>
            <div class="container">
              <header>
                <h1>Reverse Attention Trace</h1>
                <div class="controls">
                  <label for="beam-filter">Filter beams:</label>
                  <select id="beam-filter"><option value="all">All beams</option></select>
                  <button id="reset-zoom" type="button">Reset zoom</button>
                  <button id="clear-selection" type="button">Clear selection</button>
                </div>
              </header>
              <form id="explorer-controls" class="explorer-controls" hidden>
                <span class="control"><label for="layer-slider">Layer</label>
                  <input id="layer-slider" type="range" min="0" max="0" step="1">
                  <input id="layer-input" type="number" step="1"></span>
                <span class="control" role="radiogroup" aria-label="Heads"><span class="control-name">Heads</span>
                  <span id="agg-options" class="toggle"></span></span>
                <span class="control"><label for="top-k">top_k</label><input id="top-k" type="number" min="1" step="1"></span>
                <span class="control"><label for="top-beam">top_beam</label><input id="top-beam" type="number" min="1" max="100" step="1"></span>
                <span class="control"><label for="min-attn">min_attn</label><input id="min-attn" type="number" min="0" max="1" step="0.01"></span>
                <span class="control"><label for="length-norm">length_norm</label>
                  <select id="length-norm"><option value="none">none</option><option value="avg_logprob">avg_logprob</option><option value="sqrt">sqrt</option><option value="pow">pow</option></select>
                  <input id="norm-alpha" type="number" step="0.1" aria-label="pow exponent" hidden></span>
                <span class="control"><label for="search-mode">search</label>
                  <select id="search-mode"><option value="beam">beam</option><option value="exact">exact</option></select></span>
                <span class="control"><input id="stop-at-bos" type="checkbox"><label for="stop-at-bos">stop at BOS</label></span>
                <span class="control" id="sink-control"><label for="sink-mode">sinks</label>
                  <select id="sink-mode"><option value="keep">keep</option><option value="drop">drop</option><option value="renorm">renorm</option></select></span>
                <span class="control"><button id="reset-view" type="button">Trace's own view</button></span>
              </form>
              \(live?.panel ?? "")
              <div id="note" class="note" role="status" hidden></div>
              <div class="main-content">
                <div class="visualization" id="visualization">
                  \(SankeySVG.markup(trace, layout: layout, standalone: false))
                  <div class="zoom-info">Scroll to zoom, drag to pan, click a node</div>
                </div>
                <aside class="sidebar">
                  <section class="info-section"><h2>Trace info</h2><div id="metadata-info"></div></section>
                  <section class="info-section"><h2>Paths</h2><pre id="paths" class="paths"></pre></section>
                  <section class="info-section"><h2>Selected element</h2><div id="click-info" class="click-info empty">Click a node or link for details</div></section>
                  <section class="info-section"><h2>Beams</h2><div id="beam-list" class="beam-list"></div></section>
                </aside>
              </div>
              <section class="text-panel"><h2>Text <span class="hint" id="text-hint">click a token to trace from it</span></h2><div id="text-view" class="text-view"></div></section>
              <section class="attention-panel" id="attention-panel" hidden>
                <div class="heatmap-box">
                  <h2>Attention of layer <span id="heatmap-layer"></span> <span class="hint">each row's strongest predecessors; scroll to zoom, drag to pan, click a row to trace from it</span></h2>
                  <canvas id="heatmap" width="420" height="420" aria-label="attention heatmap"></canvas>
                </div>
                <div class="strip-box">
                  <h2>Where the target's attention goes, layer by layer <span class="hint">click a layer to show it</span></h2>
                  <div id="layer-strip" class="layer-strip"></div>
                </div>
              </section>
            </div>
            <div id="tooltip" class="tooltip" role="tooltip"></div>
            <script type="application/json" id="rat-data">\(json)</script>
            <script>
            \(explorerEngineScript)
            \(pageScript)
            \(live == nil ? "" : liveScript)
            </script>
            </body>
            </html>

            """
    }

    /// An explorer as the page's script reads it (`explore` in its data): the rows as base64
    /// text, which needs no escaping, appended rather than re-encoded (13 MB at 2,048 tokens).
    public static func exploreJSON(_ explorer: ExplorerData, tokens: Int) throws -> String {
        let explore = try ExploreData(explorer, tokens: tokens)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var json = scriptSafe(String(decoding: try encoder.encode(explore), as: UTF8.self))
        json.removeLast()  // the closing brace
        json += ",\"counts\":\"" + explore.rows.counts + "\",\"positions\":\"" + explore.rows.positions
            + "\",\"weights\":\"" + explore.rows.weights + "\""
        if let sinks = explore.sinks {
            json += ",\"sink_rests\":\"" + sinks.rests + "\",\"sink_masses\":\"" + sinks.masses + "\""
        }
        return json + "}"
    }

    /// JSON made safe inside a script element: every `<` written `\u003c`, so no token can
    /// close the element; U+2028/U+2029 escaped for older JavaScript parsers.
    private static func scriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
    }

    /// Writes `index.html` and `trace.json` into `directory` (created if needed); returns the page.
    @discardableResult
    public static func write(_ trace: TraceResult, to directory: URL) throws -> URL {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TraceError("cannot create output directory '\(directory.path)': \(error.localizedDescription)")
        }
        let page = directory.appendingPathComponent("index.html")
        let json = directory.appendingPathComponent("trace.json")
        do {
            try trace.jsonData().write(to: json)
            try Data(try html(trace).utf8).write(to: page)
        } catch let error as TraceError {
            throw error
        } catch {
            throw TraceError("cannot write into '\(directory.path)': \(error.localizedDescription)")
        }
        return page
    }
}

/// What the page's script reads from its JSON block.
private struct PageData: Encodable {
    let trace: TraceResult
    /// Every token as a readable label (see `TokenLabel`).
    let labels: [String]
    let palette: PaletteData
}

/// The diagram's colours, so the script draws with exactly the Swift SVG's.
private struct PaletteData: Encodable {
    let beams: [String]
    let shared: String
    let viridis: [String]
}

/// `ExplorerData` as the script reads it (`explore` in the JSON block): the candidate rows as
/// base64 of little-endian typed arrays (`counts` Uint8, `positions` Int32, `weights` Float32),
/// row index `((layer · aggregations + aggregation) · seq_len + position)` (times `cap` for
/// positions and weights); with sinks, `sink_rests` and `sink_masses` (Float64 per row) and
/// `top_k_max` = `cap` minus the sink positions. The rows are not part of the encoded object.
private struct ExploreData: Encodable {
    let cap: Int
    let topKMax: Int
    let sinkPositions: [Int]
    let seqLen: Int
    let layers: [Int]
    let aggregations: [String]
    let bosPositions: [Int]
    let tokenIDs: [Int]
    let note: String?
    let rows: (counts: String, positions: String, weights: String)
    let sinks: (rests: String, masses: String)?

    enum CodingKeys: String, CodingKey {
        case cap, layers, aggregations, note
        case topKMax = "top_k_max"
        case sinkPositions = "sink_positions"
        case seqLen = "seq_len"
        case bosPositions = "bos_positions"
        case tokenIDs = "token_ids"
    }

    init(_ explorer: ExplorerData, tokens: Int) throws {
        let c = explorer.candidates
        guard c.firstRow == 0, c.rows == tokens else {
            throw TraceError("the explorer holds rows \(c.firstRow)..<\(c.firstRow + c.rows), but the trace has \(tokens) tokens")
        }
        cap = c.cap
        topKMax = c.cap - c.sinkPositions.count
        sinkPositions = c.sinkPositions
        sinks = c.sinkPositions.isEmpty ? nil : (
            c.sinkRests.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() },
            c.sinkMasses.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() })
        seqLen = c.rows
        layers = c.layers
        aggregations = c.aggregations.map { $0?.rawValue ?? "given" }
        bosPositions = explorer.bosPositions
        tokenIDs = explorer.tokenIDs
        note = explorer.note
        rows = (Data(c.counts).base64EncodedString(),
                c.positions.map { $0.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() },
                c.weights.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0).base64EncodedString() })
    }
}

/// What the served page adds: a text box, a chat box when the model has a chat template, and
/// buttons that ask the server (`rat serve`) and redraw the page in place.
public struct LivePage: Sendable {
    /// The model has a chat template: offer to send the text as a user message.
    public var chat: Bool

    /// The served page's additions, with the chat box when `chat`.
    public init(chat: Bool) { self.chat = chat }

    var panel: String {
        """
        <form id="live-form" class="live-form">
          <label for="live-text">Text</label>
          <textarea id="live-text" rows="3" spellcheck="false" placeholder="Type a text to trace, or a prompt to continue"></textarea>
          <div class="live-buttons">
            \(chat ? #"<span class="control"><input id="live-chat" type="checkbox"><label for="live-chat">as a chat message (the model's template)</label></span>"# : "")
            <span class="control"><label for="live-max-new">new tokens</label><input id="live-max-new" type="number" min="1" max="512" value="32"></span>
            <button id="live-trace" type="submit">Trace</button>
            <button id="live-generate" type="button">Generate</button>
            <span id="live-status" class="live-status" role="status"></span>
          </div>
          <div id="live-output" class="live-output" hidden></div>
        </form>
        """
    }
}
