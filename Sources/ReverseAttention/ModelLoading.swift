import Foundation
import GGUF

/// A model and the tokenizer that goes with it, loaded in one line from a GGUF file, a
/// HuggingFace folder, or a repo id in the local HuggingFace cache.
public struct LoadedModel: Sendable {
    public let model: CausalLanguageModel
    public let tokenizer: Tokenizer

    public init(_ name: String, residency: WeightResidency = .automatic) throws {
        let model = try CausalLanguageModel(path: name, residency: residency)
        self.init(model: model, tokenizer: try loadTokenizer(for: model))
    }

    public init(model: CausalLanguageModel, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }
}

/// The tokenizer stored with a model: a GGUF file's vocabulary, or a folder's tokenizer.json.
public func loadTokenizer(for model: CausalLanguageModel) throws -> Tokenizer {
    if let gguf = model.gguf { return try Tokenizer(gguf: gguf) }
    return try Tokenizer(folder: URL(fileURLWithPath: model.path))
}
