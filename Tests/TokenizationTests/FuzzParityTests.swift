import Foundation
import GGUF
import Testing
import Tokenization

/// 1,000 random strings (fixed seed) mixing letters, digits, every kind of whitespace,
/// apostrophes, punctuation, combining marks, scripts, emoji sequences, control characters and
/// special-token fragments, against HuggingFace (tools/tokenizer/make_fuzz_fixtures.py).
@Suite struct FuzzParityTests {
    struct FuzzFile: Decodable {
        let seed: Int
        let tokenizers: [String: [GoldenCase]]
    }

    static func cases(_ name: String) throws -> [GoldenCase] {
        let data = try Data(contentsOf: Assets.fixtures.appendingPathComponent("fuzz.json"))
        let file = try JSONDecoder().decode(FuzzFile.self, from: data)
        return try #require(file.tokenizers[name])
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func qwen2() throws {
        ParityTests.check(try Tokenizer(folder: Assets.qwen2Folder), GoldenFile(source: "fuzz qwen2", cases: try Self.cases("qwen2")))
    }

    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache"))
    func smolLM2() throws {
        ParityTests.check(
            try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path)), GoldenFile(source: "fuzz smollm2", cases: try Self.cases("smollm2")))
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func llama3Split() throws {
        let name = "llama3-split-ignore-merges-bos"
        let url = try VariantTests.patchedTokenizerFile(name)
        defer { try? FileManager.default.removeItem(at: url) }
        ParityTests.check(try Tokenizer(tokenizerJSON: url, config: nil), GoldenFile(source: "fuzz \(name)", cases: try Self.cases(name)))
    }
}
