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

    @Test(.enabled(if: haveModel)) func traceASentence() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let printed = try run(Self.products.appendingPathComponent("rat-tutorials").path,
                              ["trace-a-sentence", Self.model, dir.appendingPathComponent("page").path], in: dir)
        #expect(printed == (try expected("trace-a-sentence-output.txt")))
        #expect(exists(dir, "page/index.html") && exists(dir, "page/trace.json"))
        // The command-line section: the same paths, numbered, and the page in out/.
        let cli = try run("/bin/sh", [Self.resources.appendingPathComponent("trace-a-sentence.sh").path], in: dir)
        #expect(cli == (try expected("trace-a-sentence-cli-output.txt")))
        #expect(exists(dir, "out/index.html") && exists(dir, "out/trace.json"))
        let numbered = cli.split(separator: "\n").map { $0.split(separator: ": ", maxSplits: 1).last.map(String.init) ?? "" }
        #expect(Array(printed.split(separator: "\n").prefix(numbered.count)).map(String.init) == numbered)
    }

    @Test(.enabled(if: haveModel)) func traceWhatTheModelWrote() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let printed = try run(Self.products.appendingPathComponent("rat-tutorials").path,
                              ["trace-what-the-model-wrote", Self.model, dir.appendingPathComponent("pages").path], in: dir)
        #expect(printed == (try expected("trace-what-the-model-wrote-output.txt")))
        #expect(exists(dir, "pages/index.html") && exists(dir, "pages/generation.json") && exists(dir, "pages/tokens/6/index.html"))
        let cli = try run("/bin/sh", [Self.resources.appendingPathComponent("trace-what-the-model-wrote.sh").path], in: dir)
        #expect(cli == (try expected("trace-what-the-model-wrote-cli-output.txt")))
    }

    @Test(.enabled(if: haveModel)) func ratServeAPI() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Int.random(in: 20_000..<60_000)
        let printed = try run("/bin/sh", [Self.resources.appendingPathComponent("rat-serve-api.sh").path], in: dir,
                              environment: ["PORT": "\(port)"], timeout: 120)
        #expect(printed == (try expected("rat-serve-api-output.txt")))
        // The server said where it listened and stopped on SIGINT.
        let log = (try? String(contentsOf: dir.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("listening on http://127.0.0.1:\(port)") && log.contains("rat serve: stopped"), "\(log)")
    }
}
