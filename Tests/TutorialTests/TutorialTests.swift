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
