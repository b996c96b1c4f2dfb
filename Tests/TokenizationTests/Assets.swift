import Foundation

/// Where the tests find the real tokenizer files and the golden fixtures.
enum Assets {
    /// `$RAT_CACHE`, else ~/.cache/rat.
    static let cache: URL = {
        if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
    }()

    static let qwen2Folder = cache.appendingPathComponent("tokenizers/qwen2")
    static let smolLM2GGUF = cache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")

    /// With RAT_REQUIRE_ASSETS=1 a missing asset fails the test instead of skipping it.
    static let required = ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

    static func available(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path) || required
    }

    static var haveQwen2: Bool { available(qwen2Folder.appendingPathComponent("tokenizer.json")) }
    static var haveSmolLM2: Bool { available(smolLM2GGUF) }
    static let gemma3GGUF = cache.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf")
    static var haveGemma3: Bool { available(gemma3GGUF) }

    /// Fixtures/tokenizer at the repository root.
    static let fixtures: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizer")
}

/// One golden case: HF's `tokenizer(text).input_ids`, `decode([id])` per id, and `decode(ids)`.
struct GoldenCase: Decodable {
    let text: String
    let ids: [Int]
    let tokens: [String]
    let decoded: String
}

struct GoldenFile: Decodable {
    let source: String
    let cases: [GoldenCase]

    static func load(_ name: String) throws -> GoldenFile {
        let data = try Data(contentsOf: Assets.fixtures.appendingPathComponent(name))
        return try JSONDecoder().decode(GoldenFile.self, from: data)
    }
}
