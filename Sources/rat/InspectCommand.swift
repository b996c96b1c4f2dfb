import ArgumentParser
import Foundation
import ReverseAttention

/// `rat inspect`: what a model file holds, without running it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a model: architecture, sizes, tensor types, tokenizer, location.",
        discussion: "Example:\n  rat inspect ~/.cache/rat/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    )

    @Argument(help: "The model: a GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache.")
    var model: String

    func run() throws {
        print(ModelDescription(try CausalLanguageModel(path: model)).text)
    }
}
