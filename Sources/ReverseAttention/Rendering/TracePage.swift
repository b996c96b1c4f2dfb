import Foundation

/// The interactive page: ONE self-contained HTML file (data, CSS, SVG and script inline; no
/// CDN, no fetch), so it works opened straight from disk with no network.
///
/// Token text reaches the page only as escaped markup (the SVG labels) or inside the JSON data
/// block, where every `<` is written `\u003c` so no token can close the script element; the
/// script puts text into the DOM with `textContent` only.
public enum TracePage {
    public static func html(_ trace: TraceResult) throws -> String {
        let layout = SankeyLayout(trace.sankey)
        let colors = Palette.nodeColors(trace.sankey.nodes)
        let data = PageData(
            trace: trace,
            labels: trace.tokens.map(TokenLabel.readable),
            nodeColors: Dictionary(zip(trace.sankey.nodes.map { String($0.position) }, colors), uniquingKeysWith: { a, _ in a }),
            beamColors: trace.beams.indices.map(Palette.beam))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(data), as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c")
            .replacingOccurrences(of: "\u{2028}", with: "\\u2028")
            .replacingOccurrences(of: "\u{2029}", with: "\\u2029")
        let title = "Reverse Attention Trace: \(TokenLabel.readable(trace.tokens.indices.contains(trace.targetPos) ? trace.tokens[trace.targetPos] : "")) (position \(trace.targetPos), layer \(trace.layer))"
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="UTF-8">
            <meta name="viewport" content="width=device-width, initial-scale=1.0">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
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
              <div class="main-content">
                <div class="visualization" id="visualization">
                  \(SankeySVG.markup(trace, layout: layout, standalone: false))
                  <div class="zoom-info">Scroll to zoom, drag to pan, click a token</div>
                </div>
                <aside class="sidebar">
                  <section class="info-section"><h2>Trace info</h2><div id="metadata-info"></div></section>
                  <section class="info-section"><h2>Selected element</h2><div id="click-info" class="click-info empty">Click a node or link for details</div></section>
                  <section class="info-section"><h2>Beams</h2><div id="beam-list" class="beam-list"></div></section>
                </aside>
              </div>
              <section class="text-panel"><h2>Text</h2><div id="text-view" class="text-view"></div></section>
            </div>
            <div id="tooltip" class="tooltip" role="tooltip"></div>
            <script type="application/json" id="rat-data">\(json)</script>
            <script>
            \(pageScript)
            </script>
            </body>
            </html>

            """
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
    /// Node colour by position (as a string key).
    let nodeColors: [String: String]
    let beamColors: [String]
}
