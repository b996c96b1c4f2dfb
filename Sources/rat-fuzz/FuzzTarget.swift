import ChatTemplates
import GGUF
import Foundation
import ModelRuntime
import ReverseAttention
import Tokenization

/// One parser rat runs on files and requests from elsewhere, fed arbitrary bytes. A thrown error
/// is the parser doing its job; a crash, a hang or a runaway allocation is a bug.
enum FuzzTarget: String, CaseIterable {
    /// A GGUF file: header, metadata, tensor directory, then the model built from it.
    case gguf
    /// A GGUF file's tokenizer metadata, then a text through the tokenizer.
    case ggufTokenizer = "gguf-tokenizer"
    /// A model.safetensors header and data (with a fixed valid config.json beside it).
    case safetensors
    /// A shard index, `model.safetensors.index.json` (its shards named in it are absent or fixed).
    case safetensorsIndex = "safetensors-index"
    /// A config.json (with a fixed valid model.safetensors beside it).
    case config
    /// A tokenizer.json, then a text through the tokenizer.
    case tokenizerJSON = "tokenizer-json"
    /// A chat template and, after the first NUL byte, the messages as JSON.
    case chatTemplate = "chat-template"
    /// A `.npy` file, then path search over it when it is a matrix.
    case npy
    /// A trace.json, then the page drawn from it.
    case traceJSON = "trace-json"
    /// A `rat serve` request body or a `rat batch` line: read as a trace and as a generation
    /// request, then its input encoded by a small tokenizer.
    case request

    /// Runs one input. Files go to a private scratch folder (on tmpfs where there is one).
    func run(_ bytes: [UInt8], scratch: FuzzScratch) {
        switch self {
        case .gguf:
            let file = scratch.write(bytes, as: "model.gguf")
            _ = try? CausalLanguageModel(path: file.path)
        case .ggufTokenizer:
            let file = scratch.write(bytes, as: "model.gguf")
            guard let gguf = try? GGUFFile(path: file.path), let tokenizer = try? Tokenizer(gguf: gguf) else { return }
            exercise(tokenizer)
        case .safetensors:
            scratch.write(bytes, as: "model.safetensors")
            scratch.link(FuzzScratch.fixture("runtime/families/llama3_rope/config.json"), as: "config.json")
            _ = try? CausalLanguageModel(path: scratch.folder.path)
        case .safetensorsIndex:
            scratch.remove("model.safetensors")
            scratch.write(bytes, as: "model.safetensors.index.json")
            scratch.link(FuzzScratch.fixture("runtime/families/llama3_rope/config.json"), as: "config.json")
            scratch.link(FuzzScratch.fixture("runtime/families/llama3_rope/model.safetensors"), as: "model-00001-of-00001.safetensors")
            _ = try? CausalLanguageModel(path: scratch.folder.path)
            scratch.remove("model.safetensors.index.json")
        case .config:
            scratch.write(bytes, as: "config.json")
            scratch.link(FuzzScratch.fixture("runtime/families/llama3_rope/model.safetensors"), as: "model.safetensors")
            _ = try? CausalLanguageModel(path: scratch.folder.path)
        case .tokenizerJSON:
            let file = scratch.write(bytes, as: "tokenizer.json")
            guard let tokenizer = try? Tokenizer(tokenizerJSON: file, config: nil) else { return }
            exercise(tokenizer)
        case .chatTemplate:
            let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
            let source = String(decoding: bytes[..<split], as: UTF8.self)
            let messages = split < bytes.endIndex ? Data(bytes[(split + 1)...]) : Data("[{\"role\": \"user\", \"content\": \"Hi\"}]".utf8)
            guard let template = try? ChatTemplate(source: source) else { return }
            let context: [String: TemplateValue] = [
                "messages": (try? TemplateValue(jsonData: messages)) ?? .array([]), "add_generation_prompt": .bool(true),
                "bos_token": .string("<s>"), "eos_token": .string("</s>"), "tools": .none,
            ]
            _ = try? template.render(context, now: Date(timeIntervalSince1970: 0))
        case .npy:
            guard let array = try? NumpyArray(npy: Data(bytes)), array.shape.count == 2, array.shape[0] == array.shape[1],
                  let matrix = try? AttentionMatrix(size: array.shape[0], values: array.values) else { return }
            _ = try? searchPaths(in: matrix, options: PathSearchOptions(stopAtBOS: false), mode: .exact)
        case .traceJSON:
            guard let trace = try? TraceResult.decode(jsonData: Data(bytes)) else { return }
            _ = try? TracePage.html(trace)
            _ = SankeySVG.document(trace)
        case .request:
            let allowed = TraceRequest.optionNames.union(GenerateRequest.optionNames).union(TraceRequest.inputNames)
                .union(TraceRequest.exploreNames).union(["id"])
            guard let fields = try? RequestFields(body: bytes, allowed: allowed) else { return }
            let trace = try? TraceRequest(fields: fields, defaults: TraceRequest(input: .ids([])))
            let generation = try? GenerateRequest(fields: fields, defaults: GenerateRequest(input: .ids([])))
            if let input = trace?.input ?? generation?.input, let tokenizer = Self.requestTokenizer {
                _ = try? input.encode(with: tokenizer)
            }
        }
    }

    /// A small SentencePiece-style tokenizer, loaded once (it has no chat template: messages stop
    /// at an error here; the chat-template target renders them).
    private static let requestTokenizer = try? Tokenizer(
        tokenizerJSON: FuzzScratch.fixture("tokenizer/sentencepiece/added-tokens/tokenizer.json"),
        config: FuzzScratch.fixture("tokenizer/sentencepiece/added-tokens/tokenizer_config.json"))

    private func exercise(_ tokenizer: Tokenizer) {
        let ids = tokenizer.encode("Hello world, 123 ünïcode\n\t <|im_start|> 日本語 🦊")
        _ = tokenizer.decode(ids)
        _ = ids.map(tokenizer.tokenString)
    }
}

/// A private folder for the files a target reads, reused across inputs.
final class FuzzScratch {
    let folder: URL

    init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        folder = base.appendingPathComponent("rat-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// The repository's Fixtures folder (the binary runs from the checkout it was built in).
    static func fixture(_ path: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    @discardableResult
    func write(_ bytes: [UInt8], as name: String) -> URL {
        let url = folder.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
        return url
    }

    func link(_ target: URL, as name: String) {
        let url = folder.appendingPathComponent(name)
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) == target.path { return }
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createSymbolicLink(at: url, withDestinationURL: target)
    }

    func remove(_ name: String) {
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
    }
}
