import Foundation
import GGUF
import Testing
import Tokenization

/// Chat templates through the real tokenizers, against transformers' `apply_chat_template`
/// (tools/chat/make_chat_token_fixtures.py): the rendered text and the ids.
@Suite struct ChatTemplateTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let conversation: String
            let add_generation_prompt: Bool
            let text: String
            let ids: [Int]
        }
        struct Subject: Decodable {
            let source: String
            let template_file: String?
            let cases: [Case]
        }
        struct Message: Decodable {
            let role: String
            let content: String
        }
        let tokenizers: [String: Subject]
        let conversations: [String: [Message]]
    }

    static let root = Assets.fixtures.deletingLastPathComponent().deletingLastPathComponent()

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: root.appendingPathComponent("Fixtures/chat/tokenized.json")))
    }

    static func check(_ tokenizer: Tokenizer, _ name: String, _ fixture: Fixture) throws {
        let subject = try #require(fixture.tokenizers[name])
        let template = try subject.template_file.map { try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8) }
        #expect(subject.cases.count >= 8)
        for c in subject.cases {
            let messages = try #require(fixture.conversations[c.conversation]).map { ChatMessage(role: $0.role, content: $0.content) }
            let conversation = Conversation(messages)
            let text = try tokenizer.applyChatTemplate(conversation, addGenerationPrompt: c.add_generation_prompt, template: template)
            #expect(text == c.text, "\(name) \(c.conversation) generation prompt \(c.add_generation_prompt)")
            let ids = try tokenizer.encodeChat(conversation, addGenerationPrompt: c.add_generation_prompt, template: template)
            #expect(ids == c.ids, "\(name) \(c.conversation) generation prompt \(c.add_generation_prompt)")
        }
    }

    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache"))
    func smolLM2TemplateFromItsGGUF() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path))
        #expect(tokenizer.chatTemplate != nil)
        try Self.check(tokenizer, "smollm2", Self.fixture())
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func qwenTemplateFromTokenizerConfig() throws {
        let tokenizer = try Tokenizer(folder: Assets.qwen2Folder)
        #expect(tokenizer.chatTemplateOrigin.hasSuffix("tokenizer_config.json"))
        try Self.check(tokenizer, "qwen2", Self.fixture())
    }

    @Test(.enabled(if: Assets.haveGemma3, "Gemma 3 GGUF not in the asset cache"))
    func gemma3WithTheInstructTemplate() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.gemma3GGUF.path))
        #expect(tokenizer.chatTemplate == nil)  // the base model carries none
        try Self.check(tokenizer, "gemma3", Self.fixture())
        #expect {
            try tokenizer.applyChatTemplate(messages: [ChatMessage(role: "user", content: "hi")])
        } throws: { error in
            "\(error)".contains("has no chat template") && "\(error)".contains("--chat-template")
        }
    }

    @Test func templateFilesBesideTokenizerJSONAndNamedTemplates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Assets.fixtures.appendingPathComponent("sentencepiece/llama-metaspace/tokenizer.json")
        try FileManager.default.copyItem(at: source, to: dir.appendingPathComponent("tokenizer.json"))
        let config = dir.appendingPathComponent("tokenizer_config.json")
        let named = #"{"bos_token": "<s>", "eos_token": "</s>", "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}"}]}"#
        try Data(named.utf8).write(to: config)
        let messages = [ChatMessage(role: "user", content: "hi")]
        #expect(try Tokenizer(folder: dir).applyChatTemplate(messages: messages) == "<s>[user] hi")
        // chat_template.jinja wins over tokenizer_config.json, as in transformers.
        try Data("{{ messages[0].content | upper }}".utf8).write(to: dir.appendingPathComponent("chat_template.jinja"))
        #expect(try Tokenizer(folder: dir).applyChatTemplate(messages: messages) == "HI")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("chat_template.jinja"))
        try Data(#"{"chat_template": [{"name": "tool_use", "template": "T"}]}"#.utf8).write(to: config)
        #expect(throws: TokenizerError.self) { try Tokenizer(folder: dir) }
    }

    @Test func badConversationsAndTemplatesAreOneLine() throws {
        let cases: [(String, String)] = [
            (#"{"role": "user"}"#, "must be a JSON list"),
            ("[]", "list of messages is empty"),
            (#"[{"content": "hi"}]"#, "message 0 has no string \"role\""),
            (#"[{"role": "user", "content": "a"}, 3]"#, "message 1 is not an object"),
            (#"[{"role": "user"}]"#, "message 0 has no \"content\""),
            (#"[{"role": "user", "content": 5}]"#, "not a string, a list or null"),
            ("[{", "not valid JSON"),
        ]
        for (json, words) in cases {
            #expect {
                try Conversation(json: Data(json.utf8), origin: "m.json")
            } throws: { error in
                "\(error)".hasPrefix("m.json: ") && "\(error)".contains(words) && !"\(error)".contains("\n")
            }
        }
        let tokenizer = try Tokenizer(folder: Assets.fixtures.appendingPathComponent("sentencepiece/llama-metaspace"))
        let messages = Conversation([ChatMessage(role: "assistant", content: "x")])
        let raising = "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}"
        #expect {
            try tokenizer.applyChatTemplate(messages, template: raising, templateOrigin: "t.jinja")
        } throws: { error in
            "\(error)" == "t.jinja: template raised: Conversation roles must alternate user/assistant"
        }
        #expect {
            try tokenizer.applyChatTemplate(messages, template: "{{ x | wordwrap }}", templateOrigin: "t.jinja")
        } throws: { error in
            "\(error)".hasPrefix("t.jinja: line 1") && "\(error)".contains("wordwrap")
        }
    }
}

/// Where generation stops: EOS and the end-of-turn tokens a chat model writes after its reply.
@Suite struct EndOfTurnTests {
    @Test(.enabled(if: Assets.haveGemma3, "Gemma 3 GGUF not in the asset cache"))
    func gemmaStopsAtEndOfTurn() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.gemma3GGUF.path))
        #expect(tokenizer.encode("<end_of_turn>", addSpecialTokens: false) == [106])
        #expect(tokenizer.endOfTurnIDs.contains(106))
        #expect(tokenizer.endOfGenerationIDs.isSuperset(of: [1, 106]))
        #expect(!tokenizer.endOfGenerationIDs.contains(105))  // <start_of_turn>
    }

    @Test(.enabled(if: Assets.haveQwen2, "Qwen2 tokenizer not in the asset cache"))
    func qwenStopsAtImEnd() throws {
        let tokenizer = try Tokenizer(folder: Assets.qwen2Folder)
        #expect(tokenizer.endOfGenerationIDs == [151645, 151643])  // <|im_end|>, <|endoftext|>
    }
}

/// The greedy-generation fixtures' prompts (Fixtures/generation/greedy.json, transformers' ids)
/// come out of rat's tokenizers as they came out of transformers: Gemma's by text now, and its
/// hand-written chat prompt is exactly what Gemma 3 instruct's template renders.
@Suite struct GenerationPromptTests {
    struct Greedy: Decodable {
        struct Case: Decodable {
            let model: String
            let kind: String
            let text: String
            let prompt_ids: [Int]
        }
        let cases: [Case]
    }

    @Test(.enabled(if: Assets.haveGemma3 && Assets.haveSmolLM2, "SmolLM2 / Gemma 3 GGUF not in the asset cache"))
    func greedyPromptsTokenizeAsTransformers() throws {
        let root = ChatTemplateTests.root
        let greedy = try JSONDecoder().decode(Greedy.self, from: Data(contentsOf: root.appendingPathComponent("Fixtures/generation/greedy.json")))
        let gemma = try Tokenizer(gguf: GGUFFile(path: Assets.gemma3GGUF.path))
        let smol = try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path))
        let template = try String(contentsOf: root.appendingPathComponent("Fixtures/chat/templates/gemma3.jinja"), encoding: .utf8)
        var checked = 0
        for c in greedy.cases {
            let tokenizer = c.model.hasPrefix("gemma") ? gemma : smol
            let ids = c.kind == "chat"
                ? try tokenizer.encodeChat(Conversation([ChatMessage(role: "user", content: c.text)]))
                : tokenizer.encode(c.text)
            #expect(ids == c.prompt_ids, "\(c.model) \(c.kind) \(c.text.debugDescription)")
            checked += 1
        }
        #expect(checked >= 5)
        let question = Conversation([ChatMessage(role: "user", content: "What is the capital of France?")])
        let rendered = try gemma.applyChatTemplate(question, template: template)
        let handWritten = try #require(greedy.cases.first { $0.model.hasPrefix("gemma") && $0.text.hasPrefix("<start_of_turn>") })
        #expect(rendered == "<bos>" + handWritten.text)
        #expect(try gemma.encodeChat(question, template: template) == handWritten.prompt_ids)
    }
}
