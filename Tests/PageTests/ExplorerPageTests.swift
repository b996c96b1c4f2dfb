import Foundation
import ReverseAttention
import Testing

/// The built `rat` executable (beside the test bundle in the build folder).
let ratExecutable: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rat")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return repositoryRoot.appendingPathComponent(".build/release/rat")
}()

let assetCache: URL = {
    if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"] { return URL(fileURLWithPath: dir) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
}()
let smolLM2 = assetCache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
let haveSmolLM2 = FileManager.default.fileExists(atPath: smolLM2) || browserRequired

/// Runs rat; returns stdout, failing the test on a non-zero exit.
func rat(_ arguments: [String]) throws -> String {
    try runCommand(ratExecutable.path, arguments)
}

/// Runs a program (in `directory`, with `environment` added to this process's); returns stdout,
/// failing the test on a non-zero exit.
func runCommand(_ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: out.path, contents: nil)
    FileManager.default.createFile(atPath: err.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    process.standardOutput = try FileHandle(forWritingTo: out)
    process.standardError = try FileHandle(forWritingTo: err)
    try process.run()
    process.waitUntilExit()
    let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw WebDriver.Failure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(stderr)")
    }
    return String(decoding: try Data(contentsOf: out), as: UTF8.self)
}

/// One explorer selection, as the page's fragment and as `rat trace` options.
struct Selection: CustomStringConvertible {
    var target: Int, layer: Int, agg: String, topK: Int, topBeam: Int
    var minAttn: Double = 0, lengthNorm = "avg_logprob", stopAtBOS = true, search = "beam", sink = "keep"

    /// Every setting spelled out (a fragment that leaves one out means the trace's own).
    var fragment: String {
        "#target=\(target)&layer=\(layer)&agg=\(agg)&top_k=\(topK)&top_beam=\(topBeam)&min_attn=\(minAttn)"
            + "&length_norm=\(lengthNorm)&search=\(search)&stop_at_bos=\(stopAtBOS ? 1 : 0)&sink=\(sink)"
    }

    /// What the page reports as its selection (`window.rat.selection()`), as text.
    var selection: [String: String] {
        ["target": "\(target)", "layer": "\(layer)", "agg": agg, "top_k": "\(topK)", "top_beam": "\(topBeam)",
         "min_attn": "\(minAttn == minAttn.rounded() ? String(Int(minAttn)) : String(minAttn))", "length_norm": lengthNorm,
         "search": search, "stop_at_bos": "\(stopAtBOS)", "sink": sink]
    }

    var arguments: [String] {
        ["--target-pos", "\(target)", "--layer", "\(layer)", "--agg-heads", agg, "--top-k", "\(topK)", "--top-beam", "\(topBeam)",
         "--min-attn", "\(minAttn)", "--length-norm", lengthNorm, "--search", search] + (stopAtBOS ? [] : ["--no-stop-at-bos"])
            + (sink == "keep" ? [] : ["--sink", sink])
    }

    var description: String { fragment }
}

/// The explorer: the page's own search (JavaScript, in headless Chromium) against the Swift search.
@Suite(.serialized, .enabled(if: WebDriver.isAvailable || browserRequired, "needs chromium and chromium-driver (make test installs them)"))
struct ExplorerPageTests {
    func load(_ page: URL, fragment: String = "", in browser: WebDriver) async throws {
        try await browser.open(URL(string: page.absoluteString + fragment)!)
        for _ in 0..<300 {
            if try await browser.execute("return document.body.getAttribute('data-ready')") as? String == "true" { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("the page did not finish starting within 30 s")
    }

    /// The page's current beams (positions, edge attentions, raw and normalized scores), `#paths`,
    /// its selection as text, and the fragment it wrote.
    func pageBeams(_ browser: WebDriver) async throws -> (beams: [[String: Any]], paths: String, selection: [String: String], view: String) {
        let result = try await browser.execute("""
            var v = window.rat.view(), s = window.rat.selection() || {}, text = {};
            Object.keys(s).forEach(function (k) { text[k] = String(s[k]); });
            return {beams: v.beams.map(function (b) { return {positions: b.positions, edge_attns: b.edge_attns, score_raw: b.score_raw, score_norm: b.score_norm}; }),
                    paths: document.getElementById('paths').textContent, selection: text, view: document.body.getAttribute('data-view') || ''};
            """) as? [String: Any] ?? [:]
        return (result["beams"] as? [[String: Any]] ?? [], result["paths"] as? String ?? "", result["selection"] as? [String: String] ?? [:],
                result["view"] as? String ?? "")
    }

    /// Waits until the page shows `selection`, then returns what it shows.
    func shown(_ selection: Selection, _ browser: WebDriver) async throws -> (beams: [[String: Any]], paths: String, selection: [String: String], view: String) {
        var shown = try await pageBeams(browser)
        for _ in 0..<50 where shown.selection != selection.selection {
            try await Task.sleep(nanoseconds: 50_000_000)
            shown = try await pageBeams(browser)
        }
        #expect(shown.selection == selection.selection)
        return shown
    }

    /// Compares the page's beams with a trace.json's: positions exactly, numbers within `tolerance`.
    func expectSame(_ page: [[String: Any]], _ expected: [[String: Any]], tolerance: Double, _ what: String) {
        #expect(page.count == expected.count, "\(what): \(page.count) beams, expected \(expected.count)")
        for (i, (p, e)) in zip(page, expected).enumerated() {
            #expect(p["positions"] as? [Int] == e["positions"] as? [Int], "\(what) beam \(i + 1)")
            let pe = p["edge_attns"] as? [Double] ?? [], ee = e["edge_attns"] as? [Double] ?? []
            #expect(pe.count == ee.count && zip(pe, ee).allSatisfy { abs($0 - $1) <= tolerance }, "\(what) beam \(i + 1) edges")
            for key in ["score_raw", "score_norm"] {
                let a = (p[key] as? NSNumber)?.doubleValue ?? .nan, b = (e[key] as? NSNumber)?.doubleValue ?? .nan
                #expect(abs(a - b) <= tolerance, "\(what) beam \(i + 1) \(key): \(a) vs \(b)")
            }
        }
    }

    /// The JavaScript search on every golden case of the reference (Fixtures/paths), in the browser.
    @Test func engineMatchesTheReferenceGoldenCases() async throws {
        let page = try writePage(try foxTrace())
        struct Case: Decodable { let name, matrix, length_norm: String; let tokens: [String]; let target_pos, top_beam, top_k: Int
            let min_attn: Double; let stop_at_bos: Bool; let bos_positions: [Int]; let mask: [Int]? }
        struct File: Decodable { let cases: [Case] }
        let url = repositoryRoot.appendingPathComponent("Fixtures/paths/cases.json")
        let data = try Data(contentsOf: url)
        let cases = try JSONDecoder().decode(File.self, from: data).cases
        let expected = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["cases"] as! [[String: Any]]
        try await withBrowser { browser in
            try await load(page, in: browser)
            for (c, want) in zip(cases, expected) {
                let array = try NumpyArray(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/paths/\(c.matrix)"))
                let result = try await browser.execute("""
                    var c = arguments[0];
                    var ex = RatExplorer.fromMatrix(c.n, new Float32Array(c.values), Math.max(10, c.top_k), c.mask && c.mask.map(function (m) { return m !== 0; }));
                    ex.bosPositions = c.bos_positions;
                    var found = RatExplorer.search(ex, {layerIndex: 0, aggIndex: 0, target: c.target_pos, topBeam: c.top_beam, topK: c.top_k,
                      minAttn: c.min_attn, lengthNorm: c.length_norm, stopAtBOS: c.stop_at_bos, mode: 'beam'});
                    return {beams: found.paths, text: found.paths.map(function (p) { return RatExplorer.pathText(c.tokens, p.positions, p.score_norm); }),
                            sankey: RatExplorer.sankey(found.paths, c.tokens, c.layer)};
                    """, [["n": array.shape[0], "values": array.values.map(Double.init), "top_k": c.top_k, "top_beam": c.top_beam,
                           "target_pos": c.target_pos, "min_attn": c.min_attn, "length_norm": c.length_norm, "stop_at_bos": c.stop_at_bos,
                           "bos_positions": c.bos_positions, "mask": c.mask as Any, "tokens": c.tokens, "layer": want["layer"] as Any]]) as? [String: Any]
                let trace = want["expected"] as! [String: Any]
                expectSame(result?["beams"] as? [[String: Any]] ?? [], trace["beams"] as! [[String: Any]], tolerance: 1e-12, c.name)
                #expect(result?["text"] as? [String] == trace["paths_text"] as? [String], "\(c.name)")
                let sankey = result?["sankey"] as? [String: Any], wantSankey = trace["sankey"] as! [String: Any]
                #expect((sankey?["nodes"] as? NSArray) == (wantSankey["nodes"] as? NSArray), "\(c.name) nodes")
                let links = sankey?["links"] as? [[String: Any]] ?? [], wantLinks = wantSankey["links"] as! [[String: Any]]
                #expect(links.map { "\($0["source"]!)>\($0["target"]!)" } == wantLinks.map { "\($0["source"]!)>\($0["target"]!)" }, "\(c.name) links")
                for (l, w) in zip(links, wantLinks) {
                    let a = (l["value"] as? NSNumber)?.doubleValue ?? .nan, b = (w["value"] as? NSNumber)?.doubleValue ?? .nan
                    #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(c.name) link value")
                }
            }
        }
    }

    /// A conversation through SmolLM2's chat template (so BOS tokens sit inside the text), traced
    /// with every layer explored; then random selections, each set through the URL fragment, give
    /// what `rat trace --json` prints for the same options (positions exactly, numbers to 1e-6).
    @Test(.enabled(if: haveSmolLM2, "needs the SmolLM2 GGUF")) func explorerMatchesRatTrace() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-explorer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let messages = dir.appendingPathComponent("chat.json")
        try Data(#"""
            [{"role": "system", "content": "You answer in one short sentence."},
             {"role": "user", "content": "The cat sat on the mat because the mat was warm. Why did the cat sit there?"}]
            """#.utf8).write(to: messages)
        let base = ["trace", "--model", smolLM2, "--messages", messages.path]
        _ = try rat(base + ["--output", dir.appendingPathComponent("page").path, "--top-k", "7", "--search", "exact"])
        let pageURL = dir.appendingPathComponent("page/index.html")
        let own = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("page/trace.json"))) as! [String: Any]
        let n = (own["metadata"] as! [String: Any])["seq_len"] as! Int

        // rat trace --json with the same options (its default --explore: the same pass as the page's).
        func cli(_ s: Selection) throws -> [String: Any] {
            let out = try rat(base + s.arguments + ["--json", "--output", dir.appendingPathComponent("cli").path])
            return try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        }
        func paths(_ trace: [String: Any]) -> String {
            (trace["paths_text"] as! [String]).enumerated().map { "Beam \($0.offset + 1): \($0.element)" }.joined(separator: "\n")
        }

        var rng = SystemRandomNumberGenerator()
        var selections: [Selection] = [
            Selection(target: 0, layer: 0, agg: "mean", topK: 5, topBeam: 5),
            Selection(target: n - 1, layer: 29, agg: "max", topK: 10, topBeam: 10, search: "exact"),
            Selection(target: n / 2, layer: 14, agg: "mean", topK: 3, topBeam: 4, minAttn: 0.05, lengthNorm: "pow:0.7", stopAtBOS: false),
            Selection(target: n - 1, layer: 29, agg: "mean", topK: 10, topBeam: 5, sink: "drop"),
            Selection(target: n - 2, layer: 20, agg: "max", topK: 10, topBeam: 8, lengthNorm: "sqrt", search: "exact", sink: "renorm"),
            Selection(target: n - 3, layer: 3, agg: "mean", topK: 6, topBeam: 5, minAttn: 0.05, stopAtBOS: false, sink: "renorm"),
        ]
        let norms = ["avg_logprob", "none", "sqrt", "pow:0.7", "pow:1.5", "pow:-0.3"]
        for _ in 0..<12 {
            selections.append(Selection(
                target: Int.random(in: 1..<n, using: &rng), layer: Int.random(in: 0..<30, using: &rng),
                agg: Bool.random(using: &rng) ? "mean" : "max", topK: Int.random(in: 1...10, using: &rng),
                topBeam: Int.random(in: 1...10, using: &rng), minAttn: [0, 0, 0.01, 0.1].randomElement(using: &rng)!,
                lengthNorm: norms.randomElement(using: &rng)!, stopAtBOS: Bool.random(using: &rng),
                search: Bool.random(using: &rng) ? "beam" : "exact", sink: ["keep", "keep", "drop", "renorm"].randomElement(using: &rng)!))
        }
        // Same pass, same float32 rows, glibc's log in both: the numbers agree to the last bit.
        let tolerance = 1e-9

        try await withBrowser { browser in
            // The page's first view is the trace's own, and its fragment names only what differs from rat's defaults.
            try await load(pageURL, in: browser)
            #expect(try await browser.consoleErrors() == [])
            let first = try await pageBeams(browser)
            expectSame(first.beams, own["beams"] as! [[String: Any]], tolerance: tolerance, "first view")
            #expect(first.paths == paths(own))
            #expect(first.view == "#target=\(n - 1)&layer=29&agg=mean&top_k=7&top_beam=5&search=exact")

            for s in selections {
                let expected = try cli(s)
                try await browser.execute("location.hash = arguments[0]", [s.fragment])
                let page = try await shown(s, browser)
                expectSame(page.beams, expected["beams"] as! [[String: Any]], tolerance: tolerance, "\(s)")
                #expect(page.paths == paths(expected), "\(s)")
                if s.sink != "keep" {
                    let shownMass = try await browser.execute("return window.rat.view().settings.sinkMass") as? Double ?? .nan
                    let cliMass = ((expected["metadata"] as? [String: Any])?["sink_mass"] as? NSNumber)?.doubleValue ?? -1
                    #expect(abs(shownMass - cliMass) <= 1e-12, "\(s): sink mass \(shownMass) vs \(cliMass)")
                }
                if s.search == "exact" {
                    let comparison = try await browser.execute("return window.rat.view().comparison") as? [String: Any]
                    let want = expected["search_comparison"] as? [String: Any]
                    #expect(comparison?["beam_paths_in_exact_top"] as? Int == want?["beam_paths_in_exact_top"] as? Int, "\(s)")
                    #expect(comparison?["beam_found_optimum"] as? Bool == want?["beam_found_optimum"] as? Bool, "\(s)")
                }
            }

            // The same through clicks and controls: a token, the layer field, the max toggle, top_k,
            // top_beam, the length norm, beam search and the BOS box.
            try await browser.execute("location.hash = ''")
            try await load(pageURL, in: browser)
            let target = n - 6
            try await browser.click(".tok[data-position='\(target)']")
            try await browser.type("#layer-input", "12" + WebDriver.tab)
            try await browser.click("#agg-max")
            try await browser.type("#top-k", "4" + WebDriver.tab)
            try await browser.type("#top-beam", "6" + WebDriver.tab)
            try await browser.click("#length-norm option[value='sqrt']")
            try await browser.click("#search-mode option[value='beam']")
            try await browser.click("#stop-at-bos")
            var clicked = Selection(target: target, layer: 12, agg: "max", topK: 4, topBeam: 6, lengthNorm: "sqrt", stopAtBOS: false)
            var page = try await shown(clicked, browser)
            expectSame(page.beams, try cli(clicked)["beams"] as! [[String: Any]], tolerance: tolerance, "controls")
            #expect(page.view == "#target=\(target)&layer=12&agg=max&top_k=4&top_beam=6&length_norm=sqrt&search=beam&stop_at_bos=0")
            // The slider moves one layer; a layer of the strip is a click away.
            try await browser.type("#layer-slider", WebDriver.arrowRight, clear: false)
            clicked.layer = 13
            page = try await shown(clicked, browser)
            expectSame(page.beams, try cli(clicked)["beams"] as! [[String: Any]], tolerance: tolerance, "slider")
            try await browser.click(".layer-cell[data-layer='3']")
            clicked.layer = 3
            page = try await shown(clicked, browser)
            expectSame(page.beams, try cli(clicked)["beams"] as! [[String: Any]], tolerance: tolerance, "strip")
            // The fragment the page wrote reproduces the view in a fresh load.
            let link = page.view
            try await browser.execute("location.hash = ''")
            try await load(pageURL, fragment: link, in: browser)
            #expect(try await pageBeams(browser).selection == clicked.selection)
            #expect(try await browser.execute("return document.querySelectorAll('.layer-cell').length") as? Int == 30)
            #expect(try await browser.consoleErrors() == [])
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// The tutorial "Compare layers in the explorer": its commands (the documentation's
    /// Resources/compare-layers.sh) write a page and print layer 1's paths; in that page, typing 1
    /// into the Layer field shows exactly those paths, as the tutorial says.
    @Test(.enabled(if: haveSmolLM2, "needs the SmolLM2 GGUF")) func theCompareLayersTutorialPage() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-tutorial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = repositoryRoot.appendingPathComponent("Sources/ReverseAttention/ReverseAttention.docc/Resources/compare-layers.sh")
        let path = ratExecutable.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let printed = try runCommand("/bin/sh", [script.path], in: dir, environment: ["PATH": path, "RAT_CACHE": assetCache.path])
        let layerOne = printed.split(separator: "\n").dropFirst(5).joined(separator: "\n")
        #expect(layerOne.hasPrefix("Beam 1: "))
        try await withBrowser { browser in
            try await load(dir.appendingPathComponent("layers/index.html"), in: browser)
            try await browser.type("#layer-input", "1" + WebDriver.tab)
            let shown = try await shown(Selection(target: 9, layer: 1, agg: "mean", topK: 5, topBeam: 5), browser)
            #expect(shown.paths == layerOne)
            #expect(shown.view == "#target=9&layer=1&agg=mean&top_k=5&top_beam=5")
            #expect(try await browser.execute("return document.querySelectorAll('.layer-cell').length") as? Int == 30)
            #expect(try await browser.consoleErrors() == [])
        }
    }

    /// 1,024 tokens of SmolLM2, every layer: the page opens, draws, and redraws on clicks. The
    /// times are printed for the README (a measurement, not a pass/fail bar).
    @Test(.enabled(if: haveSmolLM2, "needs the SmolLM2 GGUF")) func aThousandTokenExplorer() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-explorer-\(UUID().uuidString)")
        let ids = (0..<1024).map { String(($0 * 7919 + 13) % 49152) }.joined(separator: ",")
        _ = try rat(["trace", "--model", smolLM2, "--ids", ids, "--output", dir.path])
        let page = dir.appendingPathComponent("index.html")
        let bytes = (try FileManager.default.attributesOfItem(atPath: page.path)[.size] as? Int) ?? 0
        try await withBrowser { browser in
            let start = Date()
            try await load(page, in: browser)
            let opened = Date().timeIntervalSince(start)
            let first = try await browser.execute("return Number(document.body.getAttribute('data-render-ms'))") as? Double ?? -1
            var redraws: [Double] = []
            for (i, position) in [1000, 512, 77, 1023, 300, 901].enumerated() {
                let before = try await browser.execute("return document.body.getAttribute('data-view')") as? String
                if i % 2 == 0 {
                    try await browser.click(".tok[data-position='\(position)']")
                } else {
                    try await browser.click(".layer-cell[data-layer='\(position % 30)']")
                }
                let after = try await browser.execute("return document.body.getAttribute('data-view')") as? String
                #expect(after != before)
                redraws.append(try await browser.execute("return Number(document.body.getAttribute('data-render-ms'))") as? Double ?? -1)
            }
            #expect(try await browser.execute("return document.querySelectorAll('.tok').length") as? Int == 1024)
            #expect(try await browser.consoleErrors() == [])
            print(String(format: "explorer at 1,024 tokens, 30 layers: page %.1f MB, open to first view %.2f s (first draw %.0f ms), redraws %@ ms",
                         Double(bytes) / 1e6, opened, first, redraws.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// A fragment naming what the page does not hold: the trace's own view and a visible note.
    @Test func badFragmentsFallBackToTheDefaultView() async throws {
        let trace = try explorerTrace(size: 30)
        let page = try writePage(trace)
        try await withBrowser { browser in
            try await load(page, in: browser)
            let defaultView = try await browser.execute("return document.body.getAttribute('data-view')") as? String ?? ""
            #expect(defaultView.hasPrefix("#target=29&layer=2&agg=mean&top_k=5&top_beam=5"))
            #expect(try await browser.execute("return document.getElementById('note').hidden") as? Bool == true)
            let bad = ["#layer=99", "#target=30", "#target=-1", "#top_k=11", "#top_k=0", "#top_beam=x", "#agg=sum", "#min_attn=abc",
                       "#length_norm=pow:x", "#search=greedy", "#stop_at_bos=maybe", "#bogus=1", "#target=3&layer=7", "#sink=hide"]
            for fragment in bad {
                try await browser.execute("location.hash = ''")
                try await load(page, fragment: fragment, in: browser)
                let note = try await browser.execute("var n = document.getElementById('note'); return n.hidden ? '' : n.textContent") as? String ?? ""
                #expect(note.contains("showing the trace\u{2019}s own view"), "\(fragment): note '\(note)'")
                #expect(try await browser.execute("return document.body.getAttribute('data-view')") as? String == defaultView, "\(fragment)")
                #expect(try await browser.execute("return document.querySelectorAll('#sankey .node').length") as? Int ?? 0 > 0, "\(fragment)")
                #expect(try await browser.consoleErrors() == [], "\(fragment)")
            }
            // A good fragment after a bad one: the note goes away.
            try await browser.execute("location.hash = '#target=12&layer=0&agg=max&top_k=3&top_beam=2'")
            try await Task.sleep(nanoseconds: 200_000_000)
            #expect(try await browser.execute("return document.getElementById('note').hidden") as? Bool == true)
        }
    }

    /// Every text on the page, after exploring, meets WCAG AA contrast (4.5:1) on the colour behind it.
    @Test func everyTextIsReadable() async throws {
        let page = try writePage(try explorerTrace(size: 40))
        try await withBrowser { browser in
            try await load(page, fragment: "#target=39&layer=1&agg=max&top_k=8&top_beam=10", in: browser)
            try await browser.click(".beam-item")
            let failures = try await browser.execute("""
                function parse(c) { var m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
                function lum(c) { return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]); }
                function lin(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
                function background(e) {
                  for (; e; e = e.parentElement) {
                    var c = parse(getComputedStyle(e).backgroundColor);
                    if (c.length < 4 || c[3] > 0.5) return c;
                  }
                  return [26, 26, 46];
                }
                var bad = [], checked = 0;
                document.querySelectorAll('body *').forEach(function (e) {
                  if (e.closest('svg') || e.closest('script') || e.closest('style') || e.closest('[hidden]')) return;
                  var own = Array.prototype.some.call(e.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
                  if (!own && !(e.tagName === 'OPTION' || e.tagName === 'INPUT')) return;
                  var style = getComputedStyle(e);
                  if (style.display === 'none' || style.visibility === 'hidden' || e.getClientRects().length === 0 && e.tagName !== 'OPTION') return;
                  var fg = parse(style.color), bg = background(e);
                  var l1 = lum(fg), l2 = lum(bg), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
                  checked++;
                  if (ratio < 4.5) bad.push(e.tagName + '.' + e.className + ' "' + (e.textContent || e.value || '').slice(0, 30) + '" ' + ratio.toFixed(2));
                });
                return {bad: bad, checked: checked};
                """) as? [String: Any]
            #expect(failures?["bad"] as? [String] == [])
            // Labels, values, beams, paths, tokens, the strip's labels: many texts were looked at.
            #expect(failures?["checked"] as? Int ?? 0 > 100, "\(failures?["checked"] ?? "none") texts checked")
        }
    }
}

/// A three-layer explorer over band matrices, traced at its last layer (`rat paths` on a 4-D
/// file makes the same).
func explorerTrace(size n: Int) throws -> TraceResult {
    let layers = try (0..<3).map { l -> [AttentionMatrix] in [try bandMatrix(n, seed: l), try bandMatrix(n, seed: l + 5)] }
    let options = PathSearchOptions(stopAtBOS: false)
    let tokens = (0..<n).map { ["The", " cat", " sat", ".", "\n", " on"][$0 % 6] }
    var trace = try TraceResult(
        search: try searchPaths(in: layers[2][0], options: options), tokens: tokens, tokenIDs: Array(100..<(100 + n)), layer: 2,
        options: options, extraSettings: TraceSettings(aggHeads: .mean))
    trace.explorer = ExplorerData(matrices: layers, layers: [0, 1, 2], aggregations: [.mean, .max], cap: 10, mask: nil,
                                  bosPositions: [], tokenIDs: Array(100..<(100 + n)))
    return trace
}

/// The engine's own checks under node (tools/page/check_engine.js): the golden cases, exact search
/// against brute force, printf rounding, glibc's log/pow/exp, parsing, layout and decoding.
@Suite struct ExplorerEngineNodeTests {
    static let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: node != nil || browserRequired, "needs node (make test installs it)"))
    func engineChecksPassUnderNode() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.node, "node is not installed"))
        process.arguments = [repositoryRoot.appendingPathComponent("tools/page/check_engine.js").path]
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains(" passed, 0 failed"))
    }
}
