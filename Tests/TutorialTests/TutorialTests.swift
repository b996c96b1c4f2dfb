import Foundation
import Testing

/// The documentation's tutorials say what the reader will see; these run each tutorial's code
/// (Sources/rat-tutorials) and commands (the catalogue's Resources/*.sh) against the default model
/// and compare with the output the tutorial shows (Resources/*-output.txt), byte for byte.
@Suite struct TutorialTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let resources = root.appendingPathComponent("Sources/ReverseAttention/ReverseAttention.docc/Resources")
    /// The built products (rat, rat-tutorials) sit beside the test bundle.
    static let products = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let cache = ProcessInfo.processInfo.environment["RAT_CACHE"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
    static let model = cache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    static let haveModel = FileManager.default.fileExists(atPath: model) || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"
    /// The Python with torch and transformers that `scripts/fetch-assets.sh pytorch` makes.
    static let pytorchPython = cache.appendingPathComponent("pytorch/bin/python").path
    static let havePyTorch = haveModel && (FileManager.default.isExecutableFile(atPath: pytorchPython)
        || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1")

    /// Runs `executable` in `directory`, with the built products first on PATH; stdout, or a failure.
    func run(_ executable: String, _ arguments: [String], in directory: URL, environment extra: [String: String] = [:],
             timeout: TimeInterval = 300) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = Self.products.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment.merging(extra) { $1 }
        let out = directory.appendingPathComponent(".stdout"), err = directory.appendingPathComponent(".stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
            kill(-process.processIdentifier, SIGKILL)
            process.terminate()
        }
        process.waitUntilExit()
        let stderr = String(decoding: try Data(contentsOf: err), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(executable) \(arguments): \(stderr)")
        return String(decoding: try Data(contentsOf: out), as: UTF8.self)
    }

    func expected(_ name: String) throws -> String {
        try String(contentsOf: Self.resources.appendingPathComponent(name), encoding: .utf8)
    }

    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-tutorial-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func exists(_ dir: URL, _ path: String) -> Bool { FileManager.default.fileExists(atPath: dir.appendingPathComponent(path).path) }

    /// Runs a tutorial's Swift code (the rat-tutorials target), writing into `dir/output`.
    func tutorialCode(_ name: String, output: String, in dir: URL) throws -> String {
        try run(Self.products.appendingPathComponent("rat-tutorials").path, [name, Self.model, dir.appendingPathComponent(output).path], in: dir)
    }

    /// Runs one of a tutorial's shell scripts (Resources/NAME) in `dir`.
    func tutorialScript(_ name: String, in dir: URL, environment: [String: String] = [:], timeout: TimeInterval = 300) throws -> String {
        try run("/bin/sh", [Self.resources.appendingPathComponent(name).path], in: dir, environment: environment, timeout: timeout)
    }

    /// The oracles the tutorials' outputs are held to: the reference's traces
    /// (Fixtures/trace/cases.json, reverse-attention 0.1.0) and transformers' greedy generations
    /// (Fixtures/generation/greedy.json).
    static func fixture(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(path))) as! [String: Any]
    }

    /// The reference's paths for one of its trace cases.
    func referencePaths(case index: Int) throws -> [String] {
        let cases = try Self.fixture("Fixtures/trace/cases.json")["cases"] as! [[String: Any]]
        return (cases[index]["expected"] as! [String: Any])["paths_text"] as! [String]
    }

    /// transformers' greedy continuation of "The quick brown fox" on SmolLM2.
    func transformersGreedyIDs() throws -> [Int] {
        let cases = try Self.fixture("Fixtures/generation/greedy.json")["cases"] as! [[String: Any]]
        let fox = try #require(cases.first { $0["model"] as? String == "SmolLM2-135M-Instruct.Q4_1.gguf" && $0["text"] as? String == "The quick brown fox" })
        return fox["generated_ids"] as! [Int]
    }

    @Test(.enabled(if: haveModel)) func traceASentence() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let printed = try tutorialCode("trace-a-sentence", output: "page", in: dir)
        #expect(printed == (try expected("trace-a-sentence-output.txt")))
        // The paths the tutorial shows are the reference's for this sentence (its case 0).
        #expect(Array(printed.split(separator: "\n").prefix(5)).map(String.init) == (try referencePaths(case: 0)))
        #expect(exists(dir, "page/index.html") && exists(dir, "page/trace.json"))
        // The command-line section: the same paths, numbered, and the page in out/.
        let cli = try tutorialScript("trace-a-sentence.sh", in: dir)
        #expect(cli == (try expected("trace-a-sentence-cli-output.txt")))
        #expect(exists(dir, "out/index.html") && exists(dir, "out/trace.json"))
        let numbered = cli.split(separator: "\n").map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(Array(printed.split(separator: "\n").prefix(numbered.count)).map(String.init) == numbered)
    }

    @Test(.enabled(if: haveModel)) func traceWhatTheModelWrote() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let printed = try tutorialCode("trace-what-the-model-wrote", output: "pages", in: dir)
        #expect(printed == (try expected("trace-what-the-model-wrote-output.txt")))
        #expect(exists(dir, "pages/index.html") && exists(dir, "pages/tokens/6/index.html"))
        // What the model wrote is transformers' greedy continuation.
        let generation = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("pages/generation.json"))) as? [String: Any]
        #expect(generation?["generated_ids"] as? [Int] == Array(try transformersGreedyIDs().prefix(6)))
        let cli = try tutorialScript("trace-what-the-model-wrote.sh", in: dir)
        #expect(cli == (try expected("trace-what-the-model-wrote-cli-output.txt")))
    }

    /// transformers' attention of the fox sentence in SmolLM2, heads averaged, from
    /// Fixtures/runtime (make_attention_fixtures.py): `[layer][query][key]`, keys up to the query.
    func transformersFoxAttention() throws -> [[[Double]]] {
        let manifest = try Self.fixture("Fixtures/runtime/smollm2_attention.json")
        let text = (manifest["texts"] as! [[String: Any]])[1]
        let n = (text["ids"] as! [Int]).count, layers = text["layers"] as! Int
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Fixtures/runtime/" + (text["file"] as! String)))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }.map { Double(UInt16(littleEndian: $0)) / 65535 }
        let triangle = n * (n + 1) / 2
        // Per layer: the mean triangle, then the max one.
        return (0..<layers).map { layer in
            var offset = layer * 2 * triangle
            return (0..<n).map { query in
                defer { offset += query + 1 }
                return Array(values[offset...(offset + query)])
            }
        }
    }

    @Test(.enabled(if: haveModel)) func compareLayers() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let printed = try tutorialCode("compare-layers", output: "page", in: dir)
        #expect(printed == (try expected("compare-layers-output.txt")))
        #expect(exists(dir, "page/index.html"))
        let lines = printed.split(separator: "\n").map(String.init)
        // The last layer's best path is the reference's (its case 0).
        #expect(lines.contains("layer 29: " + (try referencePaths(case: 0))[0]))
        // Each "attends most to" line names the strongest predecessor of the final token in
        // transformers' attention, with its weight.
        let attention = try transformersFoxAttention()
        let tokens = ["The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."]
        let strongest = lines.filter { $0.contains("attends most to") }
        #expect(strongest.count == 7)
        for line in strongest {
            let layer = Int(line.split(separator: ":")[0].dropFirst("layer ".count))!
            let row = attention[layer][9].dropLast()
            let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!
            let weight = Double(line.split(separator: "(").last!.dropLast())!
            #expect(line.contains("attends most to \(tokens[best].debugDescription)") && abs(weight - row[best]) < 0.0015,
                    "\(line): transformers has \(tokens[best].debugDescription) at \(row[best])")
        }
        // The command-line section: the last layer's paths (the reference's case 0), then layer 1's.
        let cli = try tutorialScript("compare-layers.sh", in: dir)
        #expect(cli == (try expected("compare-layers-cli-output.txt")))
        let cliLines = cli.split(separator: "\n").map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(Array(cliLines.prefix(5)) == (try referencePaths(case: 0)))
        #expect(lines.contains("layer 1: " + cliLines[5]))
        #expect(exists(dir, "layers/index.html") && exists(dir, "layers/trace.json"))
    }

    @Test(.enabled(if: havePyTorch, "needs scripts/fetch-assets.sh pytorch")) func attentionFromPyTorch() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in ["attention-from-pytorch.py", "read-trace.py"] {
            try FileManager.default.copyItem(at: Self.resources.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        let models = URL(fileURLWithPath: Self.model).deletingLastPathComponent().path
        let printed = try tutorialScript("attention-from-pytorch.sh", in: dir,
                                         environment: ["PYTHON": Self.pytorchPython, "MODELS": models], timeout: 600)
        #expect(printed == (try expected("attention-from-pytorch-output.txt")))
        // rat paths over PyTorch's attention finds the reference's paths for this sentence (case 0).
        let beams = printed.split(separator: "\n").filter { $0.hasPrefix("Beam ") }
            .map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(beams == (try referencePaths(case: 0)))
        #expect(exists(dir, "traced/index.html") && exists(dir, "attention.npy"))
    }

    @Test(.enabled(if: haveModel)) func ratServeAPI() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Int.random(in: 20_000..<60_000)
        let printed = try tutorialScript("rat-serve-api.sh", in: dir, environment: ["PORT": "\(port)"], timeout: 120)
        #expect(printed == (try expected("rat-serve-api-output.txt")))
        // The trace is the reference's (its case 1: this sentence, layer 0, max over heads), and
        // the tokens (lines "index id text") are transformers' greedy ones.
        let lines = printed.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropFirst(2).prefix(5)) == (try referencePaths(case: 1)))
        let ids = lines.suffix(4).map { Int($0.split(separator: " ")[1]) }
        #expect(ids == Array(try transformersGreedyIDs().prefix(4)))
        // The server said where it listened and stopped on SIGINT.
        let log = (try? String(contentsOf: dir.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("listening on http://127.0.0.1:\(port)") && log.contains("rat serve: stopped"), "\(log)")
    }
}
