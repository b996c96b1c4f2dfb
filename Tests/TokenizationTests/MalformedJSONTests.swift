import Foundation
import Testing
import Tokenization

/// tokenizer.json files that are wrong or use what rat cannot honour: each is a clear error naming
/// the file, never a silently different tokenization.
@Suite struct MalformedJSONTests {
    /// A valid minimal byte-level tokenizer: the bytes of "abc " and two merges.
    static func minimal(merges: String = #"["a b", "ab c"]"#, preTokenizer: String = "null", normalizer: String = "null",
                        model: String? = nil) -> String {
        let m = model ?? #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5}, "merges": \#(merges)}"#
        return #"{"version": "1.0", "added_tokens": [], "normalizer": \#(normalizer), "pre_tokenizer": \#(preTokenizer), "post_processor": null, "decoder": {"type": "ByteLevel"}, "model": \#(m)}"#
    }

    static func load(_ json: String) throws(TokenizerError) -> Tokenizer {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rat-tok-\(UUID().uuidString).json")
        try? Data(json.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Tokenizer(tokenizerJSON: url, config: nil)
    }

    static func expectError(_ json: String, _ words: String) {
        do {
            _ = try load(json)
            Issue.record("loaded without an error; expected one containing \(words.debugDescription)")
        } catch {
            #expect(error.description.contains(words), "\(error.description)")
            #expect(error.file.hasSuffix(".json"))
        }
    }

    @Test func bothMergeFormsGiveTheSameTokens() throws {
        let strings = try Self.load(Self.minimal(merges: #"["a b", "ab c"]"#))
        let pairs = try Self.load(Self.minimal(merges: #"[["a", "b"], ["ab", "c"]]"#))
        #expect(strings.encode("abc") == [5])
        #expect(pairs.encode("abc") == [5])
        #expect(strings.encode("cab") == [2, 4])
        #expect(strings.decode([5, 3, 0]) == "abc a")
    }

    @Test func missingModel() {
        Self.expectError(#"{"version": "1.0", "added_tokens": []}"#, "missing \"model\"")
    }

    @Test func mergeNamingAnUnknownToken() {
        Self.expectError(Self.minimal(merges: #"["a b", "ab zz"]"#), "names \"zz\", which is not in the vocabulary")
    }

    @Test func mergeMakingAnUnknownToken() {
        Self.expectError(Self.minimal(merges: #"["b c"]"#), "makes \"bc\", which is not in the vocabulary")
    }

    @Test func badMergeShape() {
        Self.expectError(Self.minimal(merges: #"["a b c"]"#), "merge #0")
        Self.expectError(Self.minimal(merges: #"[["a"]]"#), "merge #0")
    }

    /// Ids are held by id: one far past the entries is refused before anything is allocated for
    /// it (the fuzzer's id 268,971,544 asked for 4.3 GB); a few unused ids below it are fine.
    @Test func vocabularyIDFarPastItsEntries() throws {
        let far = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 268971544}, "merges": ["a b", "ab c"]}"#
        Self.expectError(Self.minimal(model: far), "vocab id 268971544 is far past the vocabulary's 6 entries")
        let gap = #"{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 1000}, "merges": ["a b", "ab c"]}"#
        #expect(try Self.load(Self.minimal(model: gap)).encode("abc") == [1000])
    }

    @Test func regexRatCannotHonour() {
        let split = #"{"type": "Split", "pattern": {"Regex": "\\p{L}+|[0-9]{2}"}, "behavior": "Isolated", "invert": false}"#
        Self.expectError(Self.minimal(preTokenizer: split), "is not one rat can honour")
    }

    @Test func unsupportedPieces() {
        Self.expectError(Self.minimal(normalizer: #"{"type": "Precompiled", "precompiled_charsmap": ""}"#), "normalizer type \"Precompiled\"")
        Self.expectError(Self.minimal(preTokenizer: #"{"type": "BertPreTokenizer"}"#), "pre_tokenizer type \"BertPreTokenizer\"")
        Self.expectError(Self.minimal(preTokenizer: #"{"type": "Metaspace"}"#), "Metaspace pre-tokenizer needs a one-character \"replacement\"")
        Self.expectError(Self.minimal(preTokenizer: #"{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "sometimes"}"#), "prepend_scheme \"sometimes\"")
        Self.expectError(Self.minimal(model: #"{"type": "Unigram", "vocab": [["a", 0.0]]}"#), "Unigram model without \"unk_id\"")
        Self.expectError(
            Self.minimal(preTokenizer: #"{"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"}"#), "behavior \"Sideways\" is not one of")
        let removed = #"{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed", "invert": false}"#
        Self.expectError(Self.minimal(preTokenizer: removed), "behavior \"Removed\"")
        Self.expectError(Self.minimal(model: #"{"type": "WordPiece", "vocab": {}}"#), "model type \"WordPiece\"")
    }

    @Test func invalidJSON() {
        Self.expectError(#"{"version": "1.0", "model": {"#, "invalid JSON")
        Self.expectError(#"[1, 2]"#, "not an object")
    }

    @Test func folderWithoutTokenizerJSON() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-empty-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: TokenizerError.self) { try Tokenizer(folder: dir) }
    }
}
