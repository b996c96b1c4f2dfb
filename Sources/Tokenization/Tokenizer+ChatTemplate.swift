import ChatTemplates
import Foundation

extension Tokenizer {
    /// transformers' `apply_chat_template(messages, add_generation_prompt=..., tokenize=False)`:
    /// the model's chat template (or `template`, Jinja source, e.g. from `--chat-template`)
    /// rendered with the conversation, the generation prompt flag, `tools` and `documents` left
    /// undefined-as-None, and the special tokens by name (`bos_token`, `eos_token`, ...).
    /// `now` is what `strftime_now` formats.
    public func applyChatTemplate(
        _ conversation: Conversation, addGenerationPrompt: Bool = true, template: String? = nil, templateOrigin: String = "the chat template",
        now: Date = Date()
    ) throws(ChatError) -> String {
        let (source, origin) = try chatTemplateSource(template, origin: templateOrigin)
        var context: [String: TemplateValue] = [
            "messages": conversation.messages,
            "add_generation_prompt": .bool(addGenerationPrompt),
            "tools": .none,
            "documents": .none,
        ]
        for (name, token) in specialTokens { context[name] = .string(token) }
        do {
            return try parsedTemplates.template(source).render(context, now: now)
        } catch {
            throw ChatError("\(origin): \(error.description)")
        }
    }

    /// The same for plain messages.
    public func applyChatTemplate(messages: [ChatMessage], addGenerationPrompt: Bool = true) throws(ChatError) -> String {
        try applyChatTemplate(Conversation(messages), addGenerationPrompt: addGenerationPrompt)
    }

    /// transformers' `apply_chat_template(..., tokenize=True)`: the rendering encoded without
    /// adding special tokens (the template writes its own, e.g. a BOS).
    public func encodeChat(
        _ conversation: Conversation, addGenerationPrompt: Bool = true, template: String? = nil, templateOrigin: String = "the chat template",
        now: Date = Date()
    ) throws(ChatError) -> [Int] {
        let text = try applyChatTemplate(conversation, addGenerationPrompt: addGenerationPrompt, template: template, templateOrigin: templateOrigin, now: now)
        return encode(text, addSpecialTokens: false)
    }

    private func chatTemplateSource(_ override: String?, origin: String) throws(ChatError) -> (String, String) {
        if let override { return (override, origin) }
        guard let chatTemplate else {
            throw ChatError(
                "\(chatTemplateOrigin): this model has no chat template (give one with --chat-template FILE, or the text itself with --text)")
        }
        return (chatTemplate, chatTemplateOrigin)
    }
}

/// Chat templates parsed once per tokenizer (as transformers caches its compiled templates).
final class ParsedTemplates: @unchecked Sendable {
    private let lock = NSLock()
    private var parsed: [Spelling: ChatTemplate] = [:]  // by bytes: String keys merge canonically equal texts

    func template(_ source: String) throws(TemplateError) -> ChatTemplate {
        lock.lock()
        defer { lock.unlock() }
        if let t = parsed[Spelling(source)] { return t }
        let t = try ChatTemplate(source: source)
        if parsed.count < 8 { parsed[Spelling(source)] = t }
        return t
    }
}
