/// A tokenizer file that cannot be loaded, or a feature of it that rat cannot honour.
///
/// The message names the file and what is wrong; rat never silently tokenizes differently from
/// HuggingFace, so an unsupported construct (an unknown regex, normalizer or pre-tokenizer type)
/// is reported here instead.
public struct TokenizerError: Error, CustomStringConvertible, Sendable {
    /// The file concerned: tokenizer.json, tokenizer_config.json, or the GGUF file.
    public let file: String
    /// What is wrong with it, without the path.
    public let message: String

    /// An error about `file`; `description` prints it as `file: message`.
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    /// The file and what is wrong with it, on one line.
    public var description: String { "\(file): \(message)" }
}
