import Foundation
import Testing

/// `rat tokenize` run as a process: output formats and one-line errors with a non-zero exit.
@Suite struct TokenizeCLITests {
    static let root = repositoryRoot

    static let cache: URL = {
        if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
    }()
    static let gguf = cache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
    static let qwen2 = cache.appendingPathComponent("tokenizers/qwen2")
    static let requireAssets = ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"
    static var haveAssets: Bool {
        requireAssets || (FileManager.default.fileExists(atPath: gguf.path) && FileManager.default.fileExists(atPath: qwen2.path))
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try runRat(arguments)
        #expect(r.exitedNormally, "rat \(arguments) crashed")
        return (r.status, r.stdout, r.stderr)
    }

    @Test(.enabled(if: haveAssets, "SmolLM2 GGUF / Qwen2 tokenizer not in the asset cache"))
    func jsonFromGGUF() throws {
        let r = try Self.run(["tokenize", "--model", Self.gguf.path, "--text", "Hello world 🙂", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        // HF AutoTokenizer.from_pretrained(dir, gguf_file=...) gives these (see Fixtures/tokenizer/smollm2.json).
        #expect(object["ids"] as? [Int] == [19556, 905, 47526])
        #expect(object["tokens"] as? [String] == ["Hello", " world", " 🙂"])
    }

    @Test(.enabled(if: haveAssets, "Qwen2 tokenizer not in the asset cache"))
    func tableFromTokenizerFolder() throws {
        let r = try Self.run(["tokenize", "--tokenizer", Self.qwen2.path, "--text", "Hi\n<|im_start|>"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "3 tokens: 13048 198 151644")
        #expect(lines.dropFirst().map { $0.split(separator: "\t").last.map(String.init) ?? "" } == ["\"Hi\"", "\"\\n\"", "\"<|im_start|>\""])
    }

    @Test(arguments: [
        (["tokenize", "--text", "x"], "--model"),
        (["tokenize", "--model", "/no/such/file.gguf", "--text", "x"], "no such file"),
        (["tokenize", "--model", "a", "--tokenizer", "b", "--text", "x"], "not both"),
    ])
    func errorsAreOneLineAndNonZero(_ arguments: [String], _ words: String) throws {
        let r = try Self.run(arguments)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(words), "\(r.stderr)")
    }

    @Test func malformedGGUFIsAClearError() throws {
        let bad = Self.root.appendingPathComponent("Fixtures/tokenizer/gguf/bad-unknown-merge.gguf")
        let r = try Self.run(["tokenize", "--model", bad.path, "--text", "x"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("bad-unknown-merge.gguf"), "\(r.stderr)")
        #expect(r.stderr.contains("not in the vocabulary"), "\(r.stderr)")
    }
}
