import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import ReverseAttention
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
/// `make test` sets RAT_REQUIRE_ASSETS=1: then a missing browser is a failure, not a skip.
let browserRequired = ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

/// Writes a trace's page into a fresh folder and returns index.html.
func writePage(_ trace: TraceResult) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-page-\(UUID().uuidString)")
    return try TracePage.write(trace, to: dir)
}

func trace(
    _ matrix: AttentionMatrix, tokens: [String], options: PathSearchOptions = PathSearchOptions(stopAtBOS: false), explore: Bool = false
) throws -> TraceResult {
    let search = try searchPaths(in: matrix, options: options)
    var trace = try TraceResult(search: search, tokens: tokens, tokenIDs: Array(100..<(100 + tokens.count)), layer: 3, options: options)
    if explore {
        // The page then draws from its own search over the explorer rows (the same paths).
        trace.explorer = ExplorerData(matrices: [[matrix]], layers: [3], aggregations: [nil], cap: options.topK, mask: nil,
                                      bosPositions: [], tokenIDs: Array(100..<(100 + tokens.count)))
    }
    return trace
}

/// The demo's trace: SmolLM2's last layer on the fox sentence.
func foxTrace() throws -> TraceResult {
    let dir = repositoryRoot.appendingPathComponent("Examples/fox")
    let array = try NumpyArray(contentsOf: dir.appendingPathComponent("attention.npy"))
    let tokens = try JSONDecoder().decode([String].self, from: Data(contentsOf: dir.appendingPathComponent("tokens.json")))
    return try trace(try AttentionMatrix(size: array.shape[0], values: array.values), tokens: tokens,
                     options: PathSearchOptions(topBeam: 5, topK: 5, stopAtBOS: false))
}

/// A causal matrix where every row spreads attention over the previous few tokens.
func bandMatrix(_ n: Int, seed: Int = 0) throws -> AttentionMatrix {
    var values = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
        var sum: Float = 0
        for j in 0...i {
            let v = Float(1 + (i * 31 + j * (17 + seed) + seed) % 13) * (i - j < 6 ? 10 : 1)
            values[i * n + j] = v
            sum += v
        }
        for j in 0...i { values[i * n + j] /= sum }
    }
    return try AttentionMatrix(size: n, values: values)
}

/// The page in a real headless Chromium, opened from a file:// URL with the network cut off.
@Suite(.serialized, .enabled(if: WebDriver.isAvailable || browserRequired, "needs chromium and chromium-driver (make test installs them)"))
struct PageTests {
    /// Opens a page and waits for its script to finish starting.
    func load(_ page: URL, in browser: WebDriver) async throws {
        try await browser.open(page)
        for _ in 0..<300 {
            if try await browser.execute("return document.body.getAttribute('data-ready')") as? String == "true" { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("the page did not finish starting within 30 s")
    }

    /// A point of the diagram where nothing is drawn: the top-left corner of the visualization.
    func emptySpot(_ browser: WebDriver) async throws -> (Int, Int) {
        let corner = try await browser.execute(
            "var r = document.getElementById('visualization').getBoundingClientRect(); return [Math.round(r.left) + 8, Math.round(r.top) + 8]") as? [Int] ?? [8, 120]
        return (corner[0], corner[1])
    }

    func count(_ selector: String, _ browser: WebDriver) async throws -> Int {
        try await browser.execute("return document.querySelectorAll(arguments[0]).length", [selector]) as? Int ?? -1
    }

    func strings(_ script: String, _ browser: WebDriver) async throws -> [String] {
        try await browser.execute(script) as? [String] ?? []
    }

    @Test func drawsTheTraceAndRespondsToClicks() async throws {
        let trace = try foxTrace()
        let page = try writePage(trace)
        try await withBrowser { browser in
            try await load(page, in: browser)
            #expect(try await browser.consoleErrors() == [])
            #expect(try await count("#sankey .node", browser) == trace.sankey.nodes.count)
            #expect(try await count("#sankey .link", browser) == trace.sankey.links.count)
            #expect(try await count(".beam-item", browser) == trace.beams.count)
            #expect(try await count("#beam-filter option", browser) == trace.beams.count + 1)
            #expect(try await count(".tok", browser) == trace.seqLen)

            // Click a node: exactly its links are highlighted, every other link dimmed.
            let node = trace.sankey.nodes.first { $0.position == trace.beams[0].positions.last! }!
            try await browser.click("#sankey .node[data-id='\(node.id)'] rect")
            let highlighted = try await strings("return Array.from(document.querySelectorAll('#sankey .link.highlighted')).map(l => l.getAttribute('data-index'))", browser)
            let expected = trace.sankey.links.indices.filter { trace.sankey.links[$0].source == node.id || trace.sankey.links[$0].target == node.id }.map(String.init)
            #expect(highlighted.sorted() == expected.sorted())
            #expect(try await count("#sankey .link.dimmed", browser) == trace.sankey.links.count - expected.count)
            // The details panel shows the clicked token.
            let details = try await browser.execute("return document.getElementById('click-info').textContent") as? String ?? ""
            #expect(details.contains("Position\(node.position)"))
            #expect(details.contains(trace.tokens[node.position]))
            #expect(details.contains("Token ID\(100 + node.position)"))

            // Click the background: the highlight clears.
            try await browser.click(at: try await emptySpot(browser))
            #expect(try await count("#sankey .link.highlighted, #sankey .link.dimmed", browser) == 0)

            // Beam filter: only that beam's links stay visible.
            for b in trace.beams.indices {
                try await browser.click("#beam-filter option[value='\(b)']")
                let visible = try await strings("return Array.from(document.querySelectorAll('#sankey .link:not(.hidden)')).map(l => l.getAttribute('data-index'))", browser)
                let onBeam = trace.sankey.links.indices.filter { trace.sankey.links[$0].beamIndices.contains(b) }.map(String.init)
                #expect(visible.sorted() == onBeam.sorted(), "beam \(b)")
                #expect(onBeam.count == trace.beams[b].edgeAttentions.count)
            }
            try await browser.click("#beam-filter option[value='all']")
            #expect(try await count("#sankey .link.hidden", browser) == 0)

            // Clicking a traced token in the text selects its node.
            try await browser.click(".tok[data-position='\(trace.targetPos)']")
            let selected = try await browser.execute("var n = document.querySelector('#sankey .node.selected'); return n && n.getAttribute('data-position')") as? String
            #expect(selected == String(trace.targetPos))

            // Zoom with the wheel, pan by dragging, then reset.
            try await browser.wheel(at: (400, 400), deltaY: -300)
            let zoomed = try await browser.execute("return document.getElementById('viewport').getAttribute('transform')") as? String ?? ""
            #expect(zoomed.contains("scale(") && !zoomed.contains("scale(1)"))
            try await browser.drag(from: (300, 150), to: (420, 250))
            let panned = try await browser.execute("return document.getElementById('viewport').getAttribute('transform')") as? String ?? ""
            #expect(panned != zoomed)
            try await browser.click("#reset-zoom")
            #expect(try await browser.execute("return document.getElementById('viewport').getAttribute('transform')") as? String == "translate(0,0) scale(1)")
            #expect(try await browser.consoleErrors() == [])
        }
    }

    @Test func tokenTextIsNeverMarkupOrScript() async throws {
        let hostile = ["<img src=x onerror=alert(1)>", "</script><script>alert(2)</script>", " & \"quoted\" 'x'",
                       "<svg onload=alert(3)>", "\u{2028}", "end"]
        let tokens = ["start"] + hostile
        let trace = try trace(try bandMatrix(tokens.count), tokens: tokens, explore: true)
        // Every hostile token must be on the diagram, so labels, panels and tooltips all see it.
        #expect(Set(trace.sankey.nodes.map(\.position)).count >= 4)
        let page = try writePage(trace)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(!html.contains("<img src=x"))
        #expect(html.components(separatedBy: "</script>").count == 3)  // exactly our two script elements close
        try await withBrowser { browser in
            try await load(page, in: browser)
            #expect(await browser.alertText() == nil)
            #expect(try await count("img", browser) == 0)
            #expect(try await count("script", browser) == 2)
            #expect(try await browser.consoleErrors() == [])
            let shown = try await browser.execute("return document.getElementById('text-view').textContent") as? String ?? ""
            #expect(shown == tokens.joined())
            // The explorer's own search draws the same paths as the trace.
            let paths = try await browser.execute("return document.getElementById('paths').textContent") as? String
            #expect(paths == trace.pathsText.enumerated().map { "Beam \($0.offset + 1): \($0.element)" }.joined(separator: "\n"))
            for node in trace.sankey.nodes {
                try await browser.click("#sankey .node[data-id='\(node.id)'] rect")
                let details = try await browser.execute("return document.getElementById('click-info').textContent") as? String ?? ""
                #expect(details.contains(trace.tokens[node.position]))
            }
            #expect(await browser.alertText() == nil)
        }
    }

    /// Paths through the layers: one column per layer, and `--verify`'s deltas beside the scores
    /// and in the path lines, as the CLI prints them.
    @Test func layeredTraceHasAColumnPerLayerAndShowsTheDeltas() async throws {
        let tokens = (0..<12).map { " w\($0)" }
        let matrices = try (0..<4).map { try bandMatrix(12, seed: $0) }
        let explorer = ExplorerData(matrices: matrices.map { [$0] }, layers: Array(0..<4), aggregations: [.mean], cap: 4, mask: nil,
                                    bosPositions: [], tokenIDs: nil)
        let graph = try LayeredGraph(candidates: explorer.candidates, aggregation: .mean, tracedLayer: 3, target: 11, topK: 4,
                                     minAttention: 0, sink: nil)
        let found = searchLayeredPaths(in: graph, topBeam: 4, normalization: .averageLogProbability, mode: .beam)
        var settings = TraceSettings()
        settings.acrossLayers = true
        var trace = try TraceResult(search: found, tokens: tokens, layer: 3,
                                    options: PathSearchOptions(targetPosition: 11, topBeam: 4, topK: 4, stopAtBOS: false), extraSettings: settings)
        // The page draws what trace.json holds (the measurement itself is tested against transformers).
        trace.faithfulness = Faithfulness(
            predictedTokenID: 7, predictedToken: " w7", baseLogprob: -1.25,
            beams: trace.beams.indices.map { PathFaithfulness(knockedOut: [], deltaLogprob: -0.5 / Double($0 + 1), baselineMean: 0.01, baselineSD: 0.002) },
            baseline: FaithfulnessBaseline(setsPerPath: 3, seed: 0, meanDeltaLogprob: 0.01, sdDeltaLogprob: 0.002))
        #expect(trace.beams.count == 4 && Set(trace.sankey.nodes.map(\.layer)) == [0, 1, 2, 3, 4])
        let page = try writePage(trace)
        try await withBrowser { browser in
            try await load(page, in: browser)
            #expect(try await browser.consoleErrors() == [])
            #expect(try await count("#sankey .node", browser) == trace.sankey.nodes.count)
            // Every node of a layer in one column, the columns left to right from layer 0.
            let xs = try await browser.execute(
                "return Array.from(document.querySelectorAll('#sankey .node')).map(g => [g.getAttribute('data-id'), Number(g.querySelector('rect').getAttribute('x'))])") as? [[Any]] ?? []
            var columnX: [Int: Set<Double>] = [:]
            for pair in xs {
                let id = pair[0] as? String ?? "", x = (pair[1] as? Double) ?? Double(pair[1] as? Int ?? -1)
                let node = try #require(trace.sankey.nodes.first { $0.id == id })
                columnX[node.layer, default: []].insert(x)
            }
            #expect(columnX.count == 5 && columnX.values.allSatisfy { $0.count == 1 })
            let ordered = (0...4).compactMap { columnX[$0]?.first }
            #expect(ordered == ordered.sorted() && Set(ordered).count == 5)
            let lines = trace.pathsText.enumerated().map { i, line in
                "Beam \(i + 1): \(line)  Δlogprob \(formatFixed(-0.5 / Double(i + 1), digits: 4)) (random 0.0100 ± 0.0020)"
            }
            #expect(try await browser.execute("return document.getElementById('paths').textContent") as? String == lines.joined(separator: "\n"))
            #expect(try await count(".beam-delta", browser) == 4)
            let metadata = try await browser.execute("return document.getElementById('metadata-info').textContent") as? String ?? ""
            #expect(metadata.contains("paths through the layers") && metadata.contains("\" w7\" (id 7, log p -1.2500)"))
            // Clicking a token without an explorer selects its highest node.
            try await browser.click(".tok[data-position='11']")
            #expect(try await browser.execute("var n = document.querySelector('#sankey .node.selected'); return n && n.getAttribute('data-id')") as? String == "L4_P11")
        }
    }

    @Test func aThousandTokenTextRendersAndStaysResponsive() async throws {
        let n = 1000
        let words = ["the", " model", " reads", " every", " token", ",", " and", "\n", " attention", " flows", " back", "."]
        let tokens = (0..<n).map { words[$0 % words.count] }
        let trace = try trace(try bandMatrix(n), tokens: tokens, options: PathSearchOptions(topBeam: 10, topK: 10, stopAtBOS: false), explore: true)
        let page = try writePage(trace)
        try await withBrowser { browser in
            let start = Date()
            try await load(page, in: browser)
            let loaded = Date().timeIntervalSince(start)
            #expect(loaded < 30, "took \(loaded) s to start")
            #expect(try await count(".tok", browser) == n)
            #expect(try await count("#sankey .node", browser) == trace.sankey.nodes.count)
            let paths = try await browser.execute("return document.getElementById('paths').textContent") as? String
            #expect(paths == trace.pathsText.enumerated().map { "Beam \($0.offset + 1): \($0.element)" }.joined(separator: "\n"))
            let node = trace.sankey.nodes[trace.sankey.nodes.count / 2]
            try await browser.click("#sankey .node[data-id='\(node.id)'] rect")
            #expect(try await count("#sankey .node.selected", browser) == 1)
            #expect(try await browser.consoleErrors() == [])
        }
    }
}

/// The page file itself, without a browser.
@Suite struct PageFileTests {
    @Test func isOneSelfContainedFile() throws {
        let html = try TracePage.html(try foxTrace())
        for forbidden in ["http://", "https://", "fetch(", "XMLHttpRequest", "<link", "src=\"", "import("] {
            // The SVG namespace is the only URL, and it is an identifier, not a request.
            let hits = html.components(separatedBy: forbidden).count - 1
            let allowed = forbidden == "http://" ? 1 : 0
            #expect(hits == allowed, "\(forbidden) appears \(hits) times")
        }
        #expect(html.contains("<script type=\"application/json\" id=\"rat-data\">"))
    }

    @Test func staticSVGIsWellFormedAndComplete() throws {
        let trace = try foxTrace()
        let svg = SankeySVG.document(trace)
        let doc = try XMLDocument(data: Data(svg.utf8))
        let root = try #require(doc.rootElement())
        #expect(root.name == "svg")
        #expect(try doc.nodes(forXPath: "//*[local-name()='g'][@class='node']").count == trace.sankey.nodes.count)
        #expect(try doc.nodes(forXPath: "//*[local-name()='path'][@class='link']").count == trace.sankey.links.count)
    }
}
