import ArgumentParser
import Foundation
import GGUF
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
        let lm = try CausalLanguageModel(path: model)
        let c = lm.config
        print("found:         \(lm.origin)")
        if let file = lm.gguf {
            let size = (try? FileManager.default.attributesOfItem(atPath: lm.path)[.size] as? Int) ?? 0
            print("format:        GGUF v\(file.version), \(String(format: "%.1f", Double(size) / 1_048_576)) MiB\(file["general.name"]?.stringValue.map { ", \"\($0)\"" } ?? "")")
        } else {
            print("format:        HuggingFace folder (config.json, safetensors)")
            let hasTokenizer = FileManager.default.fileExists(atPath: lm.path + "/tokenizer.json")
            print("tokenizer:     \(hasTokenizer ? "tokenizer.json" : "none in the folder")")
        }
        print("family:        \(lm.architecture.family)")
        print("layers:        \(c.layerCount)")
        print("hidden size:   \(c.hiddenSize) (MLP \(c.intermediateSize))")
        print("heads:         \(c.headCount) query, \(c.kvHeadCount) key/value, \(c.headDim) dims each")
        print("vocabulary:    \(c.vocabularySize)")
        print("LM head:       \(c.tiedEmbeddings ? "tied (reuses the token embeddings)" : "its own matrix")")
        for line in lm.architecture.summary { print(line) }
        if let file = lm.gguf {
            var types: [String: (count: Int, elements: Int)] = [:]
            for t in file.tensors { types[t.type.description, default: (0, 0)].count += 1; types[t.type.description]!.elements += t.elementCount }
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            print("parameters:    \(parameters.formatted())")
            let listed = types.sorted { $0.value.elements > $1.value.elements }
                .map { "\($0.key) ×\($0.value.count)" }.joined(separator: ", ")
            print("tensor types:  \(listed)")
            let kind = file["tokenizer.ggml.model"]?.stringValue
            let pre = file["tokenizer.ggml.pre"]?.stringValue
            let tokens = file["tokenizer.ggml.tokens"]?.arrayValue?.count
            switch kind {
            case "gpt2": print("tokenizer:     byte-level BPE (gpt2), pre-tokenizer \(pre ?? "default"), \(tokens ?? 0) tokens")
            case let k?: print("tokenizer:     \(k)\(pre.map { ", pre-tokenizer \($0)" } ?? "")")
            case nil: print("tokenizer:     none in the file")
            }
        }
        let mib = String(format: "%.0f MiB", Double(lm.dequantizedWeightBytes) / 1_048_576)
        print("float32 copy:  \(lm.dequantizedWeightBytes == 0 ? "none needed (float32 weights are read in place)" : "\(mib) of dequantized layer weights, \(lm.keepsDequantizedWeights ? "streamed on the first pass, kept from the second" : "streamed one layer at a time (more than a quarter of memory)")"); passes of up to \(CausalLanguageModel.storedPassPositions) positions read the stored blocks in place")
        print("BLAS:          \(BLAS.description)")
    }
}
