import ArgumentParser
import Foundation
import Tokenization

/// `--messages FILE.json` with `--chat-template FILE` and `--no-generation-prompt`: a conversation
/// rendered by the model's chat template, as transformers' `apply_chat_template` renders it.
struct ChatOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A JSON list of {\"role\", \"content\"} messages, rendered with the model's chat template.",
        valueName: "file.json"))
    var messages: String?

    @Option(name: .customLong("chat-template"), help: ArgumentHelp(
        "A Jinja chat template to use instead of the model's (a GGUF of a base model carries none).", valueName: "file"))
    var chatTemplate: String?

    @Flag(name: .customLong("no-generation-prompt"), help: "Do not open the assistant's turn after the messages.")
    var noGenerationPrompt = false

    /// Options that only mean something with --messages.
    func validate() throws {
        if messages == nil {
            if chatTemplate != nil { throw ValidationError("--chat-template applies to --messages; give the conversation with --messages FILE.json") }
            if noGenerationPrompt { throw ValidationError("--no-generation-prompt applies to --messages") }
        }
    }

    /// The rendered conversation and its ids (the template's own special tokens, none added).
    func render(with tokenizer: Tokenizer) throws -> (text: String, ids: [Int])? {
        guard let messages else { return nil }
        let conversation = try Conversation(contentsOf: URL(fileURLWithPath: messages))
            var template: String? = nil
            if let chatTemplate {
                do { template = try String(contentsOfFile: chatTemplate, encoding: .utf8) } catch {
                    throw ChatError("--chat-template: cannot read '\(chatTemplate)': \(error.localizedDescription)")
                }
            }
            let text = try tokenizer.applyChatTemplate(
                conversation, addGenerationPrompt: !noGenerationPrompt, template: template, templateOrigin: chatTemplate ?? "")
            return (text, tokenizer.encode(text, addSpecialTokens: false))
    }
}
