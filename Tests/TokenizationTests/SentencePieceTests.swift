import Foundation
import GGUF
import Testing
@testable import Tokenization

/// SentencePiece-style vocabularies against transformers (tools/tokenizer/make_sentencepiece_fixtures.py):
/// the real Gemma 3 GGUF, trained tokenizer.json variants, and tiny `llama`-model GGUFs.
@Suite struct SentencePieceTests {
    static let folder = Assets.fixtures.appendingPathComponent("sentencepiece")

    /// A case with transformers' answer where it differs from `tokenizers`.
    struct VariantCase: Decodable {
        let text: String
        let ids: [Int]
        let tokens: [String]
        let decoded: String
        let transformers: Expected?
        struct Expected: Decodable {
            let ids: [Int]?
            let tokens: [String]?
            let decoded: String?
        }
    }

    struct Variants: Decodable {
        struct Variant: Decodable {
            let folder: String
            let cases: [VariantCase]
        }
        let variants: [String: Variant]
    }

    struct GGUFExpected: Decodable {
        struct File: Decodable {
            let cases: [VariantCase]?
            let error: String?
            let facts: Facts?
        }
        struct Facts: Decodable {
            let len: Int
            let bos_token_id: Int?
            let eos_token_id: Int?
            let unk_token_id: Int?
            let pad_token_id: Int?
        }
        let files: [String: File]
    }

    /// Compares ids, per-id strings and full decodes with transformers' view; records the first few differences.
    static func check(_ tokenizer: Tokenizer, _ cases: [VariantCase], name: String) {
        var failures = 0
        for c in cases {
            let ids = c.transformers?.ids ?? c.ids
            let tokens = c.transformers?.tokens ?? c.tokens
            let decoded = c.transformers?.decoded ?? c.decoded
            let got = tokenizer.encode(c.text)
            let gotTokens = ids.map { tokenizer.tokenString($0) }
            let gotDecoded = tokenizer.decode(ids)
            if got != ids || gotTokens != tokens || gotDecoded != decoded {
                failures += 1
                if failures <= 8 {
                    Issue.record("""
                        \(name): text \(c.text.debugDescription.prefix(120))
                          ids      \(got.prefix(30))
                          expected \(ids.prefix(30))
                          tokens \(gotTokens == tokens ? "ok" : "\(gotTokens.prefix(12)) vs \(tokens.prefix(12))")
                          decode \(gotDecoded == decoded ? "ok" : "\(gotDecoded.debugDescription.prefix(100)) vs \(decoded.debugDescription.prefix(100))")
                        """)
                }
            }
        }
        #expect(failures == 0, "\(name): \(failures) of \(cases.count) cases differ from transformers")
    }

    @Test(.enabled(if: Assets.haveGemma3, "Gemma 3 GGUF not in the asset cache (run scripts/fetch-assets.sh)"))
    func gemma3GGUFMatchesTransformers() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.gemma3GGUF.path))
        ParityTests.check(tokenizer, try GoldenFile.load("sentencepiece/gemma3.json"))
        #expect(tokenizer.vocabularySize == 262_144)
        #expect(tokenizer.bosTokenID == 2 && tokenizer.eosTokenID == 1 && tokenizer.unkTokenID == 3 && tokenizer.padTokenID == 0)
        #expect(tokenizer.encode("") == [2])
        #expect(tokenizer.specialTokens["bos_token"] == "<bos>")
    }

    @Test func tokenizerJSONVariantsMatchTransformers() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("variants.json"))
        let variants = try JSONDecoder().decode(Variants.self, from: data)
        #expect(variants.variants.count >= 11)
        for (name, v) in variants.variants.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try Tokenizer(folder: Self.folder.appendingPathComponent(v.folder))
            #expect(v.cases.count >= 600)
            Self.check(tokenizer, v.cases, name: name)
        }
    }

    @Test func llamaModelGGUFsMatchTransformers() throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent("gguf-expected.json"))
        let expected = try JSONDecoder().decode(GGUFExpected.self, from: data)
        var checked = 0
        for (name, file) in expected.files.sorted(by: { $0.key < $1.key }) {
            let path = Self.folder.appendingPathComponent("gguf/\(name)").path
            if name.hasPrefix("t5") {
                // tokenizer.ggml.model "t5" (Unigram, an encoder-decoder's vocabulary) is not read.
                #expect(throws: TokenizerError.self) { try Tokenizer(gguf: GGUFFile(path: path)) }
                continue
            }
            guard let cases = file.cases, let facts = file.facts else {
                // transformers rejects it; rat must too, with an error rather than a crash.
                #expect(throws: (any Error).self, "\(name): transformers rejects it (\(file.error ?? ""))") { try Tokenizer(gguf: GGUFFile(path: path)) }
                continue
            }
            let tokenizer = try Tokenizer(gguf: GGUFFile(path: path))
            Self.check(tokenizer, cases, name: name)
            #expect(tokenizer.vocabularySize == facts.len, "\(name)")
            #expect(tokenizer.bosTokenID == facts.bos_token_id && tokenizer.eosTokenID == facts.eos_token_id, "\(name)")
            #expect(tokenizer.unkTokenID == facts.unk_token_id && tokenizer.padTokenID == facts.pad_token_id, "\(name)")
            checked += 1
        }
        #expect(checked >= 7)
    }

    @Test func malformedLlamaGGUFsFailWithOneLine() throws {
        for name in ["bad-missing-scores", "bad-merge-unknown-token", "bad-bos-out-of-range", "bad-scores-count"] {
            let path = Self.folder.appendingPathComponent("gguf/\(name).gguf").path
            do {
                _ = try Tokenizer(gguf: GGUFFile(path: path))
                Issue.record("\(name) loaded")
            } catch let error as TokenizerError {
                #expect(!error.description.contains("\n"), "\(name): \(error)")
                #expect(error.description.hasPrefix(path), "\(name): \(error)")
            }
        }
    }

    /// Byte-fallback pieces are labelled as bytes, not as look-alike characters.
    @Test func byteFallbackTokensDecodeAsHuggingFaceShowsThem() {
        #expect(TokenDecoder.byteFallback.chain(["<0xE6>"]) == ["\u{FFFD}"])
        #expect(TokenDecoder.byteFallback.chain(["<0xE6>", "<0xBC>", "<0xA2>"]) == ["漢"])
        #expect(TokenDecoder.byteFallback.chain(["<0x41>", "x"]) == ["A", "x"])
        #expect(TokenDecoder.fallbackByte("<0x+5>") == 5)  // Rust's from_str_radix takes a sign
        #expect(CharacterSymbols.byteToken("<0x0a>") == nil)  // the lookup form is uppercase only
    }
}
