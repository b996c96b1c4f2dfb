import Foundation
import GGUF

/// What a model file holds, without running it: `rat inspect`'s lines and `GET /api/model`'s
/// object, from one list of named entries (in order).
public struct ModelDescription: Sendable {
    /// The named values, in display order (`found`, `format`, `family`, `layers`, …).
    public let entries: [(name: String, value: String)]
    /// The model's number of layers.
    public let layers: Int
    /// The model's vocabulary size.
    public let vocabulary: Int

    /// Describes `lm` from its config, its file's metadata and tensors (GGUF) or its folder, and
    /// how its weights are held in memory.
    public init(_ lm: CausalLanguageModel) {
        let c = lm.config
        var e: [(String, String)] = [("found", lm.origin)]
        if let file = lm.gguf {
            let size = (try? FileManager.default.attributesOfItem(atPath: lm.path)[.size] as? Int) ?? 0
            e.append(("format", "GGUF v\(file.version), \(String(format: "%.1f", Double(size) / 1_048_576)) MiB\(file["general.name"]?.stringValue.map { ", \"\($0)\"" } ?? "")"))
        } else {
            e.append(("format", "HuggingFace folder (config.json, safetensors)"))
            let hasTokenizer = FileManager.default.fileExists(atPath: lm.path + "/tokenizer.json")
            e.append(("tokenizer", hasTokenizer ? "tokenizer.json" : "none in the folder"))
        }
        e.append(("family", lm.architecture.family))
        e.append(("layers", "\(c.layerCount)"))
        e.append(("hidden size", "\(c.hiddenSize) (MLP \(c.intermediateSize))"))
        e.append(("heads", "\(c.headCount) query, \(c.kvHeadCount) key/value, \(c.headDim) dims each"))
        e.append(("vocabulary", "\(c.vocabularySize)"))
        e.append(("LM head", c.tiedEmbeddings ? "tied (reuses the token embeddings)" : "its own matrix"))
        for line in lm.architecture.summary {
            guard let colon = line.firstIndex(of: ":") else { continue }
            e.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        if let file = lm.gguf {
            var types: [String: (count: Int, elements: Int)] = [:]
            for t in file.tensors { types[t.type.description, default: (0, 0)].count += 1; types[t.type.description]!.elements += t.elementCount }
            let parameters = file.tensors.reduce(0) { $0 + $1.elementCount }
            e.append(("parameters", parameters.formatted()))
            e.append(("tensor types", types.sorted { $0.value.elements > $1.value.elements }.map { "\($0.key) ×\($0.value.count)" }.joined(separator: ", ")))
            let kind = file["tokenizer.ggml.model"]?.stringValue
            let pre = file["tokenizer.ggml.pre"]?.stringValue
            let tokens = file["tokenizer.ggml.tokens"]?.arrayValue?.count
            switch kind {
            case "gpt2": e.append(("tokenizer", "byte-level BPE (gpt2), pre-tokenizer \(pre ?? "default"), \(tokens ?? 0) tokens"))
            case let k?: e.append(("tokenizer", "\(k)\(pre.map { ", pre-tokenizer \($0)" } ?? "")"))
            case nil: e.append(("tokenizer", "none in the file"))
            }
        }
        let mib = String(format: "%.0f MiB", Double(lm.dequantizedWeightBytes) / 1_048_576)
        e.append(("float32 copy", "\(lm.dequantizedWeightBytes == 0 ? "none needed (float32 weights are read in place)" : "\(mib) of dequantized layer weights, \(lm.keepsDequantizedWeights ? "streamed on the first pass, kept from the second" : "streamed one layer at a time (more than a quarter of memory)")"); passes of up to \(CausalLanguageModel.storedPassPositions) positions read the stored blocks in place"))
        e.append(("BLAS", BLAS.description))
        entries = e
        layers = c.layerCount
        vocabulary = c.vocabularySize
    }

    /// `rat inspect`'s lines: `name:` padded to 15 columns, then the value.
    public var text: String {
        entries.map { ($0.name + ":").padding(toLength: max(15, $0.name.count + 2), withPad: " ", startingAt: 0) + $0.value }
            .joined(separator: "\n")
    }

    /// The entries as one JSON object, in order, with `extra` (already JSON values) appended.
    public func json(extra: [(String, String)] = []) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        func quoted(_ s: String) -> String {
            String(decoding: (try? encoder.encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let fields = entries.map { quoted($0.name) + ":" + quoted($0.value) } + extra.map { quoted($0.0) + ":" + $0.1 }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
