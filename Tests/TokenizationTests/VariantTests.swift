import Foundation
import Testing
import Tokenization

/// tokenizer.json features the real files do not use (Llama 3 split, ignore_merges, a BOS from
/// TemplateProcessing, ByteLevel with its own regex and prefix space, NFKC / NFD / Replace /
/// Prepend / Sequence normalizers, Digits, added tokens with lstrip / rstrip / single_word /
/// normalized), each as a patch of Qwen2's tokenizer.json checked against HF `tokenizers`
/// (tools/tokenizer/make_variant_fixtures.py).
@Suite struct VariantTests {
    struct Variant: Decodable {
        let name: String
        let cases: [GoldenCase]
    }

    struct VariantFile: Decodable {
        let variants: [Variant]
    }

    static let names = [
        "llama3-split-ignore-merges-bos", "gpt2-bytelevel-prefix-space", "nfkc-replace-prepend-digits",
        "added-token-options", "nfkd-lowercase-strip", "digit-runs-nfd",
    ]

    /// Applies a variant's patch to Qwen2's tokenizer.json (the same edit the generator made) and
    /// writes the result to a temporary file.
    static func patchedTokenizerFile(_ name: String) throws -> URL {
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: Assets.fixtures.appendingPathComponent("variants.json"))) as! [String: Any]
        let variant = (fixture["variants"] as! [[String: Any]]).first { $0["name"] as? String == name }!
        let patch = variant["patch"] as! [String: Any]
        var base = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Assets.qwen2Folder.appendingPathComponent("tokenizer.json"))) as! [String: Any]
        for (key, value) in patch {
            if key == "added_tokens+" {
                base["added_tokens"] = (base["added_tokens"] as! [Any]) + (value as! [Any])
            } else if key.hasPrefix("model.") {
                var model = base["model"] as! [String: Any]
                model[String(key.dropFirst("model.".count))] = value
                base["model"] = model
            } else {
                base[key] = value
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rat-variant-\(name)-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: base).write(to: url)
        return url
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"), arguments: names)
    func variantMatchesHuggingFace(_ name: String) throws {
        let file = try JSONDecoder().decode(VariantFile.self, from: Data(contentsOf: Assets.fixtures.appendingPathComponent("variants.json")))
        let variant = try #require(file.variants.first { $0.name == name })
        let url = try Self.patchedTokenizerFile(name)
        defer { try? FileManager.default.removeItem(at: url) }
        let tokenizer = try Tokenizer(tokenizerJSON: url, config: nil)
        ParityTests.check(tokenizer, GoldenFile(source: name, cases: variant.cases))
    }
}
