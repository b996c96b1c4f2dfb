import Foundation
import GGUF
import Testing
import Tokenization

/// Ids, per-id strings and full decodes against HuggingFace on the committed golden strings
/// (tools/tokenizer/make_fixtures.py).
@Suite struct ParityTests {
    static func check(_ tokenizer: Tokenizer, _ golden: GoldenFile) {
        #expect(golden.cases.count >= 300)
        var failures = 0
        for c in golden.cases {
            let ids = tokenizer.encode(c.text)
            let tokens = c.ids.map { tokenizer.tokenString($0) }
            let decoded = tokenizer.decode(c.ids)
            if ids != c.ids || tokens != c.tokens || decoded != c.decoded {
                failures += 1
                if failures <= 15 {
                    Issue.record("""
                        \(golden.source): text \(c.text.debugDescription.prefix(200))
                          ids      \(ids.prefix(40))
                          expected \(c.ids.prefix(40))
                          tokens \(tokens == c.tokens ? "ok" : "\(tokens.prefix(20)) vs \(c.tokens.prefix(20))")
                          decode \(decoded == c.decoded ? "ok" : "\(decoded.debugDescription.prefix(100)) vs \(c.decoded.debugDescription.prefix(100))")
                        """)
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(golden.cases.count) cases differ from HuggingFace")
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache (run scripts/fetch-assets.sh)"))
    func qwen2TokenizerJSONMatchesHuggingFace() throws {
        let tokenizer = try Tokenizer(folder: Assets.qwen2Folder)
        Self.check(tokenizer, try GoldenFile.load("qwen2.json"))
    }

    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache (run scripts/fetch-assets.sh)"))
    func smolLM2GGUFMatchesHuggingFace() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path))
        Self.check(tokenizer, try GoldenFile.load("smollm2.json"))
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func qwen2SpecialTokenIDs() throws {
        let t = try Tokenizer(folder: Assets.qwen2Folder)
        #expect(t.bosTokenID == nil)
        #expect(t.eosTokenID == 151645)  // <|im_end|>
        #expect(t.padTokenID == 151643)  // <|endoftext|>
        #expect(t.unkTokenID == nil)
        #expect(t.vocabularySize == 151669)
        #expect(t.tokenString(151644) == "<|im_start|>")
    }

    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache"))
    func smolLM2SpecialTokenIDs() throws {
        let t = try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path))
        #expect(t.bosTokenID == 1)
        #expect(t.eosTokenID == 2)
        #expect(t.padTokenID == 2)
        #expect(t.unkTokenID == 0)
        #expect(t.vocabularySize == 49152)
        #expect(t.encode("").isEmpty)  // add_bos is false
    }
}
