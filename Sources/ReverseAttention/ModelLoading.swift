import Foundation
import GGUF

/// A model and the tokenizer that goes with it, loaded in one line from a GGUF file, a
/// HuggingFace folder, or a repo id in the local HuggingFace cache.
public struct LoadedModel: Sendable {
    /// The model, ready to run.
    public let model: CausalLanguageModel
    /// The model's tokenizer: the GGUF file's vocabulary or the folder's tokenizer.json.
    public let tokenizer: Tokenizer

    /// Loads `name` (a `.gguf` file, a HuggingFace folder, or a repo id such as
    /// `Qwen/Qwen2-0.5B` in the local HuggingFace cache; never the network) and its tokenizer.
    ///
    /// - Parameters:
    ///   - name: The model's file, folder or repo id.
    ///   - residency: Whether the dequantized float32 weights are kept between passes or streamed
    ///     one layer at a time.
    /// - Throws: A `ModelError` when the model cannot be found or read; an error of the tokenizer
    ///   when its vocabulary cannot be loaded.
    public init(_ name: String, residency: WeightResidency = .automatic) throws {
        let model = try CausalLanguageModel(path: name, residency: residency)
        self.init(model: model, tokenizer: try loadTokenizer(for: model))
    }

    /// Pairs a model with a tokenizer loaded some other way.
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

/// The `eos_token_id`s of a HuggingFace folder's generation_config.json (an id or a list; e.g.
/// Gemma 3 instruct stops at `<eos>` and `<end_of_turn>`), empty for a GGUF or a folder without one.
public func generationConfigStops(for model: CausalLanguageModel) -> Set<Int> {
    guard model.gguf == nil else { return [] }
    let url = URL(fileURLWithPath: model.path).appendingPathComponent("generation_config.json")
    guard let data = try? Data(contentsOf: url), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
    if let list = object["eos_token_id"] as? [Any] { return Set(list.compactMap { ($0 as? NSNumber)?.intValue }) }
    if let one = object["eos_token_id"] as? NSNumber { return [one.intValue] }
    return []
}
