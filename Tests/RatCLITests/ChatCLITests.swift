import Foundation
import Testing

/// `--messages` in `rat tokenize`, `rat trace` and `rat generate`: conversations through the
/// model's chat template, checked against transformers (Fixtures/chat/tokenized.json).
@Suite struct ChatCLITests {
    static let conversation = #"""
        [{"role": "system", "content": "You are a terse geography tutor."},
         {"role": "user", "content": "What is the capital of France?"}]
        """#

    static func messagesFile(_ json: String = conversation) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent("chat.json")
        try Data(json.utf8).write(to: url)
        return url.path
    }

    /// transformers' ids for the "system" conversation with the generation prompt.
    static func expected(_ tokenizer: String) throws -> (text: String, ids: [Int]) {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/chat/tokenized.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let subject = try #require((root["tokenizers"] as? [String: Any])?[tokenizer] as? [String: Any])
        let cases = try #require(subject["cases"] as? [[String: Any]])
        let c = try #require(cases.first { $0["conversation"] as? String == "system" && $0["add_generation_prompt"] as? Bool == true })
        return (try #require(c["text"] as? String), try #require(c["ids"] as? [Int]))
    }

    @Test(.enabled(if: haveSmolLM2)) func tokenizeRendersTheTemplateAsTransformers() throws {
        let run = try runRat(["tokenize", "--model", smolLM2, "--messages", Self.messagesFile(), "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let expected = try Self.expected("smollm2")
        #expect(object["text"] as? String == expected.text)
        #expect(object["ids"] as? [Int] == expected.ids)
        #expect((object["tokens"] as? [String])?.first == "<|im_start|>")
        // Without the generation prompt the rendering ends after the user's turn.
        let closed = try runRat(["tokenize", "--model", smolLM2, "--messages", Self.messagesFile(), "--no-generation-prompt", "--json"])
        let text = try #require((try JSONSerialization.jsonObject(with: Data(closed.stdout.utf8)) as? [String: Any])?["text"] as? String)
        #expect(text.hasSuffix("France?<|im_end|>\n"))
    }

    @Test(.enabled(if: haveGemma3)) func gemmaTakesATemplateFile() throws {
        let template = repositoryRoot.appendingPathComponent("Fixtures/chat/templates/gemma3.jinja").path
        let run = try runRat(["tokenize", "--model", gemma3, "--messages", Self.messagesFile(), "--chat-template", template, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["ids"] as? [Int] == (try Self.expected("gemma3")).ids)
    }

    @Test(.enabled(if: haveSmolLM2)) func traceAConversationFromItsLastToken() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let run = try runRat(["trace", "--model", smolLM2, "--messages", Self.messagesFile(), "--output", out.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let trace = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let expected = try Self.expected("smollm2")
        let metadata = try #require(trace["metadata"] as? [String: Any])
        #expect(metadata["text"] as? String == expected.text)
        #expect((trace["tokens"] as? [String])?.count == expected.ids.count)
        #expect(metadata["target_pos"] as? Int == expected.ids.count - 1)
    }

    @Test func badConversationsFailWithOneLine() throws {
        var cases: [([String], String)] = [
            (["tokenize", "--model", "x.gguf", "--text", "a", "--messages", "m.json"], "give the text as --text or a conversation as --messages"),
            (["trace", "--text", "a", "--chat-template", "t.jinja"], "--chat-template applies to --messages"),
            (["generate", "--prompt", "a", "--no-generation-prompt"], "--no-generation-prompt applies to --messages"),
        ]
        if haveSmolLM2 {
            cases += [
                (["tokenize", "--model", smolLM2, "--messages", try Self.messagesFile(#"{"role": "user"}"#)], "must be a JSON list"),
                (["tokenize", "--model", smolLM2, "--messages", try Self.messagesFile(#"[{"role": "user", "content": 3}]"#)], "message 0 has a \"content\""),
                (["tokenize", "--model", smolLM2, "--messages", "/nonexistent/chat.json"], "cannot read the messages file"),
                (["tokenize", "--model", smolLM2, "--messages", try Self.messagesFile(), "--chat-template", "/nonexistent.jinja"], "--chat-template: cannot read"),
                (["trace", "--model", smolLM2, "--messages", try Self.messagesFile(), "--chat-template", try Self.template("{% for %}")], "line 1"),
                (["trace", "--model", smolLM2, "--messages", try Self.messagesFile(), "--chat-template", try Self.template("{{ raise_exception('no system role, please') }}")], "template raised: no system role, please"),
            ]
        }
        if haveGemma3 {
            cases.append((["tokenize", "--model", gemma3, "--messages", try Self.messagesFile()], "this model has no chat template"))
        }
        for (arguments, fragment) in cases {
            let run = try runRat(arguments)
            #expect(run.exitedNormally && run.status != 0, "\(arguments): \(run.status)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(arguments): \(run.stderr)")
        }
    }

    static func template(_ source: String) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent("t.jinja")
        try Data(source.utf8).write(to: url)
        return url.path
    }
}
