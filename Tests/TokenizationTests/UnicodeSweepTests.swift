import Foundation
import GGUF
import Testing
import Tokenization

/// Every scalar of planes 0 and 1 (and samples of the others), each in a small context, against HF:
/// character classes of the split regexes (Unicode data versions included), NFC / NFKC / NFD,
/// byte-level decoding. HF's ids are committed as checksums per block of 256 code points
/// (tools/tokenizer/make_sweep_fixtures.py).
@Suite struct UnicodeSweepTests {
    struct SweepFile: Decodable {
        let ranges: [[Int]]
        let template: String
        let tokenizers: [String: [[Int]]]
    }

    static let mask = (1 << 53) - 1

    static func fold(_ h: Int, _ ids: [Int]) -> Int {
        var h = h
        for (i, x) in ids.enumerated() { h = (h &* 1_000_003 &+ (i + 1) &* (x + 7)) & mask }
        return (h &* 1_000_003 &+ 1) & mask
    }

    /// The template with each "{c}" replaced, on scalars (String and Foundation matching work on
    /// grapheme clusters, and "}" followed by U+0301 is one).
    static func substitute(_ template: String, _ c: Unicode.Scalar) -> String {
        let t = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < t.count {
            if i + 2 < t.count, t[i] == "{", t[i + 1] == "c", t[i + 2] == "}" {
                out.append(c)
                i += 3
            } else {
                out.append(t[i])
                i += 1
            }
        }
        return String(out)
    }

    static func check(_ tokenizer: Tokenizer, _ name: String) throws {
        let file = try JSONDecoder().decode(SweepFile.self, from: Data(contentsOf: Assets.fixtures.appendingPathComponent("sweep.json")))
        let expected = try #require(file.tokenizers[name])
        var got: [Int: Int] = [:]
        for r in file.ranges {
            for c in stride(from: r[0], to: r[1], by: r[2]) where !(0xD800..<0xE000).contains(c) {
                let text = Self.substitute(file.template, Unicode.Scalar(UInt32(c))!)
                got[c >> 8] = fold(got[c >> 8] ?? 0, tokenizer.encode(text))
            }
        }
        #expect(got.count == expected.count)
        var failures = 0
        for pair in expected where got[pair[0]] != pair[1] {
            failures += 1
            if failures <= 10 {
                Issue.record("\(name): block U+\(String(pair[0] << 8, radix: 16, uppercase: true)) differs from HF")
            }
        }
        #expect(failures == 0, "\(name): \(failures) of \(expected.count) blocks of 256 code points differ from HF")
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func qwen2() throws {
        try Self.check(Tokenizer(tokenizerJSON: Assets.qwen2Folder.appendingPathComponent("tokenizer.json"), config: nil), "qwen2")
    }

    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache"))
    func smolLM2() throws {
        try Self.check(Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path)), "smollm2")
    }

    @Test(.enabled(if: Assets.haveGemma3, "Gemma 3 GGUF not in the asset cache"))
    func gemma3() throws {
        try Self.check(Tokenizer(gguf: GGUFFile(path: Assets.gemma3GGUF.path)), "gemma3")
    }

    @Test(arguments: ["llama-metaspace", "unigram"])
    func sentencePieceVariant(_ name: String) throws {
        let file = Assets.fixtures.appendingPathComponent("sentencepiece/\(name)/tokenizer.json")
        try Self.check(Tokenizer(tokenizerJSON: file, config: nil), "sp-" + name)
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"),
          arguments: ["nfkc-replace-prepend-digits", "digit-runs-nfd", "nfkd-lowercase-strip"])
    func normalizerVariant(_ name: String) throws {
        let url = try VariantTests.patchedTokenizerFile(name)
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.check(Tokenizer(tokenizerJSON: url, config: nil), name)
    }
}
