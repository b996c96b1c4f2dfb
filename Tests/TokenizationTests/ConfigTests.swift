import Foundation
import Testing
import Tokenization

/// tokenizer_config.json: special token ids, and `add_bos_token` / `add_eos_token`, which
/// transformers ignores when a tokenizer.json exists (the post-processor decides), against
/// AutoTokenizer on the same folder (tools/tokenizer/make_config_fixtures.py).
@Suite struct ConfigTests {
    struct ConfigCase: Decodable {
        let name: String
        let variant: String?
        let bos: Int?
        let eos: Int?
        let pad: Int?
        let cases: [GoldenCase]
    }

    static let names = ["add-bos", "add-eos", "add-bos-without-bos-token", "template-bos-kept", "template-bos-replaced"]

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"), arguments: names)
    func configMatchesTransformers(_ name: String) throws {
        let fixture = Assets.fixtures.appendingPathComponent("config.json")
        let expected = try #require(try JSONDecoder().decode([ConfigCase].self, from: Data(contentsOf: fixture)).first { $0.name == name })
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as! [[String: Any]]
        let patch = raw.first { $0["name"] as? String == name }!["config"] as! [String: Any]

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-config-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = dir.appendingPathComponent("tokenizer.json")
        if let variant = expected.variant {
            let patched = try VariantTests.patchedTokenizerFile(variant)
            try FileManager.default.moveItem(at: patched, to: json)
        } else {
            try FileManager.default.createSymbolicLink(at: json, withDestinationURL: Assets.qwen2Folder.appendingPathComponent("tokenizer.json"))
        }
        var config = try JSONSerialization.jsonObject(
            with: Data(contentsOf: Assets.qwen2Folder.appendingPathComponent("tokenizer_config.json"))) as! [String: Any]
        for (key, value) in patch {
            if value is NSNull { config.removeValue(forKey: key) } else { config[key] = value }
        }
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("tokenizer_config.json"))

        let tokenizer = try Tokenizer(folder: dir)
        #expect(tokenizer.bosTokenID == expected.bos)
        #expect(tokenizer.eosTokenID == expected.eos)
        #expect(tokenizer.padTokenID == expected.pad)
        for c in expected.cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(name): \(c.text.debugDescription)")
            #expect(c.ids.map { tokenizer.tokenString($0) } == c.tokens)
            #expect(tokenizer.decode(c.ids) == c.decoded)
        }
    }
}
