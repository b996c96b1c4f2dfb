import Foundation
import GGUF
import Testing
import Tokenization

/// The GGUF loader on tiny metadata-only files (tools/tokenizer/make_gguf_fixtures.py): parity
/// with transformers' GGUF loader, and clear errors for malformed vocabularies.
@Suite struct GGUFLoaderTests {
    static let folder = Assets.fixtures.appendingPathComponent("gguf")

    static func load(_ name: String) throws -> Tokenizer {
        try Tokenizer(gguf: GGUFFile(path: folder.appendingPathComponent(name).path))
    }

    @Test(arguments: ["tiny-llama-bpe.gguf", "tiny-smollm.gguf", "tiny-qwen2.gguf", "tiny-gpt2.gguf"])
    func tinyFileMatchesTransformers(_ name: String) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("expected.json"))
        let expected = try JSONDecoder().decode([String: [GoldenCase]].self, from: data)
        let cases = try #require(expected[name])
        let tokenizer = try Self.load(name)
        for c in cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(name): \(c.text.debugDescription)")
            #expect(c.ids.map { tokenizer.tokenString($0) } == c.tokens, "\(name): \(c.text.debugDescription)")
            #expect(tokenizer.decode(c.ids) == c.decoded, "\(name): \(c.text.debugDescription)")
        }
    }

    @Test func llamaBPEAddsBOS() throws {
        let t = try Self.load("tiny-llama-bpe.gguf")
        let bos = try #require(t.bosTokenID)
        #expect(t.encode("the").first == bos)
        #expect(t.encode("") == [bos])
        #expect(t.tokenString(bos) == "<|begin_of_text|>")
    }

    /// Each malformed file, and words its error must contain.
    static let malformed: [(String, String)] = [
        ("bad-unknown-merge.gguf", "not in the vocabulary"),
        ("bad-pre.gguf", "tokenizer.ggml.pre \"no-such-pre-tokenizer\" is not supported"),
        ("bad-model.gguf", "tokenizer.ggml.model is \"rwkv\""),
        ("bad-tokens-not-strings.gguf", "tokenizer.ggml.tokens"),
        ("bad-missing-tokens.gguf", "tokenizer.ggml.tokens"),
        ("bad-merge-format.gguf", "is not two tokens separated by one space"),
        ("bad-bos-out-of-range.gguf", "tokenizer.ggml.padding_token_id"),
    ]

    @Test(arguments: malformed.map(\.0))
    func malformedFileIsAClearError(_ name: String) throws {
        let words = Self.malformed.first { $0.0 == name }!.1
        do {
            _ = try Self.load(name)
            Issue.record("\(name) loaded without an error")
        } catch let error as TokenizerError {
            #expect(error.description.contains(words), "\(error.description)")
            #expect(error.file.hasSuffix(name), "the error names \(error.file), not \(name)")
        } catch {
            Issue.record("\(name): expected a TokenizerError, got \(error)")
        }
    }
}
