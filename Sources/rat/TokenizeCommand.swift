import ArgumentParser
import Foundation
import GGUF
import Tokenization

/// `rat tokenize`: shows how a model's tokenizer cuts a text, as HuggingFace would.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize a text and print the token ids and each token's string.",
        discussion: """
            The tokenizer comes from --model (a GGUF file, or a folder holding tokenizer.json) or \
            --tokenizer (a tokenizer.json file or its folder). Each token's string is the decode of \
            that id alone, so a byte of a multi-byte character shows as U+FFFD.

            --messages renders a conversation with the model's chat template (GGUF \
            tokenizer.chat_template, the folder's chat_template.jinja or tokenizer_config.json), \
            as transformers' apply_chat_template does, and tokenizes the result without adding \
            special tokens (the template writes its own).

            Examples:
              rat tokenize --model model.gguf --text "Hello world"
              rat tokenize --model model.gguf --messages chat.json --json
              rat tokenize --model gemma-3-270m.gguf --messages chat.json --chat-template gemma3-it.jinja
            """)

    @Option(name: .long, help: "A GGUF model file, or a folder holding tokenizer.json (and tokenizer_config.json).")
    var model: String?

    @Option(name: .long, help: "A tokenizer.json file, or the folder holding it.")
    var tokenizer: String?

    @Option(name: .long, help: "The text to tokenize.")
    var text: String?

    @OptionGroup var chat: ChatOptionGroup

    @Flag(name: .long, help: "Print {\"ids\": [...], \"tokens\": [...]} as JSON (with --messages, also \"text\": the rendering).")
    var json = false

    func validate() throws {
        guard (text == nil) != (chat.messages == nil) else {
            throw ValidationError("give the text as --text or a conversation as --messages (one of them)")
        }
    }

    /// A usage problem or a tokenizer that cannot be loaded: one line on stderr, exit code 1.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func run() throws {
        let tok = try loadTokenizer()
        let rendered = try chat.render(with: tok)
        let ids = rendered?.ids ?? tok.encode(text ?? "")
        let tokens = ids.map { tok.tokenString($0) }
        if json {
            struct Output: Encodable { let text: String?; let ids: [Int]; let tokens: [String] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(Output(text: rendered?.text, ids: ids, tokens: tokens))
            print(String(decoding: data, as: UTF8.self))
        } else {
            if let rendered { print(rendered.text) }
            print("\(ids.count) tokens: \(ids.map(String.init).joined(separator: " "))")
            let width = String(max(ids.count - 1, 0)).count
            for (i, (id, token)) in zip(ids, tokens).enumerated() {
                let index = String(i).padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(index)  \(id)\t\(Self.quoted(token))")
            }
        }
    }

    /// A token shown with its whitespace visible, in double quotes.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u{%X}", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    func loadTokenizer() throws -> Tokenization.Tokenizer {
        switch (model, tokenizer) {
        case (nil, nil):
            throw Failure(description: "give the tokenizer with --model PATH (a GGUF file or a model folder) or --tokenizer PATH (a tokenizer.json)")
        case (.some, .some):
            throw Failure(description: "give either --model or --tokenizer, not both")
        case (let m?, nil):
            return try load(path: m, allowGGUF: true)
        case (nil, let t?):
            return try load(path: t, allowGGUF: false)
        }
    }

    private func load(path: String, allowGGUF: Bool) throws -> Tokenization.Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(description: "\(path): no such file or folder")
        }
        do {
            if isDirectory.boolValue {
                return try Tokenization.Tokenizer(folder: URL(fileURLWithPath: path))
            }
            if allowGGUF, Self.isGGUF(path) {
                return try Tokenization.Tokenizer(gguf: GGUFFile(path: path))
            }
            let url = URL(fileURLWithPath: path)
            let config = url.deletingLastPathComponent().appendingPathComponent("tokenizer_config.json")
            return try Tokenization.Tokenizer(
                tokenizerJSON: url, config: FileManager.default.fileExists(atPath: config.path) ? config : nil)
        } catch let error as TokenizerError {
            throw Failure(description: error.description)
        } catch let error as FileFormatError {
            throw Failure(description: "\(error.file): \(error.message)")
        }
    }

    private static func isGGUF(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 4)) == Data("GGUF".utf8)
    }
}
