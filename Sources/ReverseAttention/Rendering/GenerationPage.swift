import Foundation

/// A generation on disk: `index.html` shows the prompt and the written text, each written token a
/// link to its own trace page (`tokens/N/index.html`, the usual page of that token's paths), and
/// `generation.json` holds what `rat generate --json` prints; with explorer data, `explore/index.html`
/// explores the whole text. Plain links between local files: it works from disk with no network.
public enum GenerationPage {
    /// The overview page, `index.html`: the prompt in grey, each written token a link to its
    /// trace page `tokens/N/index.html`, and a link to the explorer when there is one. `tokens`
    /// holds every position's token, decoded alone: the prompt's, then the written ones.
    public static func html(_ generation: GenerationTrace, tokens: [String]) -> String {
        var body = ""
        let promptCount = generation.promptIDs.count
        for (i, token) in tokens.enumerated() {
            let shown = escapeMarkup(token)
            if i < promptCount {
                body += "<span class=\"prompt\">\(shown)</span>"
            } else {
                let k = i - promptCount
                let from = generation.traces[k].targetPos
                body += "<a class=\"written\" href=\"tokens/\(k + 1)/index.html\" title=\"token \(k + 1) \(escapeMarkup(TokenLabel.readable(token))): paths from position \(from)\">\(shown)</a>"
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>rat: generation</title>
            <style>
            body { font: 15px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
            .text { white-space: pre-wrap; font-family: ui-monospace, monospace; border: 1px solid #ddd; padding: 1em; border-radius: 4px; }
            .prompt { color: #777; }
            a.written { color: #0b57d0; text-decoration: none; border-bottom: 1px dotted #0b57d0; }
            a.written:hover { background: #e8f0fe; }
            </style>
            </head>
            <body>
            <h1>Generation</h1>
            <p>\(generation.generatedIDs.count) tokens written after a \(promptCount)-token prompt (grey); finish: \(generation.finishReason.rawValue).
            Click a written token to see the attention paths that led to it.</p>\(generation.explorer == nil ? "" : """

            <p><a class="explore" href="explore/index.html">Explore the whole text</a>: trace from any token, at any layer, with any setting.</p>
            """)
            <div class="text">\(body)</div>
            </body>
            </html>

            """
    }

    /// Writes the overview, `generation.json` and one trace page per written token into `directory`.
    @discardableResult
    public static func write(_ generation: GenerationTrace, tokens: [String], to directory: URL) throws -> URL {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw TraceError("cannot create output directory '\(directory.path)': \(error.localizedDescription)")
        }
        for (k, trace) in generation.traces.enumerated() {
            try TracePage.write(trace, to: directory.appendingPathComponent("tokens/\(k + 1)"))
        }
        // The explorer opens on the last written token's trace, over the whole text.
        if let explorer = generation.explorer, var last = generation.traces.last, last.tokens.count == explorer.candidates.rows {
            last.explorer = explorer
            try TracePage.write(last, to: directory.appendingPathComponent("explore"))
        }
        let page = directory.appendingPathComponent("index.html")
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(generation).write(to: directory.appendingPathComponent("generation.json"))
            try Data(html(generation, tokens: tokens).utf8).write(to: page)
        } catch {
            throw TraceError("cannot write into '\(directory.path)': \(error.localizedDescription)")
        }
        return page
    }
}
