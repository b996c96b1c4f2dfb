/// A transformers tokenizer class that rebuilds the pipeline of a tokenizer.json instead of
/// using the file's (tokenizer_config.json `tokenizer_class`): transformers 5 hands the file's
/// vocabulary and merges to the class's `__init__`, which sets its own normalizer,
/// pre-tokenizer, decoder and BPE options, keeping only the file's post-processor and added
/// tokens. rat follows transformers, the oracle, so a Llama 2 file with the legacy
/// `Prepend` + `Replace` normalizer tokenizes as transformers does, not as the file says.
enum TransformersClass {
    /// `LlamaTokenizer`: Metaspace (`always` when `legacy`, else `first`; `never` without a prefix
    /// space), no unknown token in the BPE model, a Strip decoder after a prefix space.
    case llama(prefixSpace: Bool, legacy: Bool)
    /// `GemmaTokenizer`: spaces replaced by `▁`, no prefix, the file's unknown token.
    case gemma

    init?(config: JSONValue?) {
        guard let name = config?["tokenizer_class"]?.string else { return nil }
        switch name {
        case "LlamaTokenizer", "LlamaTokenizerFast":
            self = .llama(prefixSpace: config?["add_prefix_space"]?.bool ?? true, legacy: config?["legacy"]?.bool ?? false)
        case "GemmaTokenizer", "GemmaTokenizerFast":
            self = .gemma
        default:
            return nil
        }
    }

    var keepsUnknownToken: Bool {
        if case .gemma = self { return true }
        return false
    }

    static let space = Array(" ".utf8)
    static let meta = Array("\u{2581}".utf8)

    var normalizer: Normalizer? {
        switch self {
        case .llama: nil
        case .gemma: .replace(pattern: Self.space, content: Self.meta)
        }
    }

    var preTokenizer: PreTokenizer? {
        switch self {
        case .llama(let prefixSpace, let legacy):
            .metaspace(Metaspace(replacement: Self.meta, prependScheme: !prefixSpace ? .never : legacy ? .always : .first, split: false))
        case .gemma:
            .splitLiteral(pattern: Self.space, behavior: .mergedWithPrevious, invert: false)
        }
    }

    var decoder: TokenDecoder {
        var steps: [TokenDecoder] = [.replace(pattern: "\u{2581}", content: " "), .byteFallback, .fuse]
        if case .llama(let prefixSpace, _) = self, prefixSpace { steps.append(.strip(content: " ", start: 1, stop: 0)) }
        return .sequence(steps)
    }
}
