import GGUF

extension Tokenizer {
    /// The pre-tokenizer for a GGUF `tokenizer.ggml.pre` name, as transformers' GGUF loader builds
    /// it (`integrations/gguf/gguf_tokenizer_mapping.py`), which is the oracle rat matches.
    ///
    /// Note for `smollm`: llama.cpp splits every digit alone before the GPT-2 regex, but
    /// transformers has no entry for it and keeps `GPT2Tokenizer`'s ByteLevel pre-tokenizer (the
    /// GPT-2 regex, digits not split first). rat follows transformers; the two differ only when a
    /// merge joins a space or a digit to a digit, which SmolLM2's vocabulary mostly lacks.
    static func ggufPreTokenizer(_ name: String) -> PreTokenizer? {
        switch name {
        case "default", "gpt-2", "gpt2", "smollm":
            return .byteLevel(addPrefixSpace: false, useRegex: true)
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
            "jina-v5-nano", "dbrx", "smaug-bpe":
            return .sequence([.split(.llama3), .byteLevel(addPrefixSpace: false, useRegex: false)])
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez":
            return .sequence([.split(.qwen2), .byteLevel(addPrefixSpace: false, useRegex: false)])
        default:
            return nil
        }
    }

    static let supportedGGUFPreNames = "gpt-2, smollm, default, llama-bpe (and the other Llama 3 names), qwen2 (and deepseek-r1-qwen)"

    /// Builds the tokenizer a GGUF file's metadata describes (`tokenizer.ggml.model` = `gpt2` or
    /// `llama`), with the file's chat template.
    public convenience init(gguf: GGUFFile) throws(TokenizerError) {
        var parts = try Self.parts(gguf: gguf)
        parts.chatTemplateOrigin = "\(gguf.path) (tokenizer.chat_template)"
        for key in ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"] {
            if let id = gguf[key]?.intValue, id >= 0, id < parts.tokenTexts.count { parts.endOfTurn.append(id) }
        }
        if let v = gguf["tokenizer.chat_template"] {
            guard let template = v.stringValue else {
                throw TokenizerError(file: gguf.path, message: "tokenizer.chat_template is not a string")
            }
            parts.chatTemplate = template
        }
        self.init(parts: parts)
    }

    static func parts(gguf: GGUFFile) throws(TokenizerError) -> Parts {
        let file = gguf.path
        func wrap<T>(_ body: () throws(FileFormatError) -> T) throws(TokenizerError) -> T {
            do { return try body() } catch { throw TokenizerError(file: error.file, message: error.message) }
        }
        guard let modelName = gguf["tokenizer.ggml.model"]?.stringValue else {
            throw TokenizerError(file: file, message: "no tokenizer in this GGUF (metadata \"tokenizer.ggml.model\" is missing or not a string)")
        }
        guard modelName == "gpt2" || modelName == "llama" else {
            throw TokenizerError(
                file: file, message: "tokenizer.ggml.model is \"\(modelName)\"; rat reads \"gpt2\" (byte-level BPE) and \"llama\" (SentencePiece BPE)")
        }
        let tokens = try wrap { () throws(FileFormatError) in try gguf.requireStrings("tokenizer.ggml.tokens") }
        guard !tokens.isEmpty else { throw TokenizerError(file: file, message: "tokenizer.ggml.tokens is empty") }
        var types: [Int] = []
        if let list = gguf["tokenizer.ggml.token_type"]?.arrayValue {
            types = list.map { $0.intValue ?? 1 }
            guard types.count == tokens.count else {
                throw TokenizerError(file: file, message: "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
            }
        }
        if modelName == "llama" { return try sentencePieceParts(gguf: gguf, tokens: tokens, types: types) }
        let preName = gguf["tokenizer.ggml.pre"]?.stringValue ?? "default"
        guard let preTokenizer = ggufPreTokenizer(preName) else {
            throw TokenizerError(file: file, message: "tokenizer.ggml.pre \"\(preName)\" is not supported (supported: \(supportedGGUFPreNames))")
        }
        let mergeStrings = try wrap { () throws(FileFormatError) in try gguf.requireStrings("tokenizer.ggml.merges") }
        // transformers respells a token that is not in the byte alphabet from its UTF-8 bytes.
        var vocab: Vocabulary = [:]
        vocab.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            let spelled = ByteLevelAlphabet.bytes(ofSpelled: token) != nil ? token : ByteLevelAlphabet.spell(Array(token.utf8))
            vocab[spelled] = Int32(id)  // a later duplicate wins, as in a Python dict
        }
        let merges = try ggufMerges(mergeStrings, vocab: vocab, file: file)
        let bpe = makeEncoder(vocab: vocab, merges: merges, ignoreMerges: false, unknownID: nil)

        var texts = [String?](repeating: nil, count: tokens.count)
        for (token, id) in vocab { texts[Int(id)] = token.string }

        // Control tokens (type 3) spelled in the byte alphabet become special added tokens,
        // user-defined ones (type 4) plain added tokens; both are matched whole in the raw text.
        var added: [AddedToken] = []
        for (id, token) in tokens.enumerated() where id < types.count {
            let type = types[id]
            if type == 3, ByteLevelAlphabet.bytes(ofSpelled: token) != nil, let vid = vocab[token] {
                added.append(AddedToken(id: Int(vid), content: token, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: true))
            } else if type == 4, let vid = vocab[token] {
                added.append(AddedToken(id: Int(vid), content: token, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: false))
            }
        }

        let bos = try ggufTokenID(gguf, "tokenizer.ggml.bos_token_id", below: tokens.count)
        let eos = try ggufTokenID(gguf, "tokenizer.ggml.eos_token_id", below: tokens.count)
        let unk = try ggufTokenID(gguf, "tokenizer.ggml.unknown_token_id", below: tokens.count)
        let pad = try ggufTokenID(gguf, "tokenizer.ggml.padding_token_id", below: tokens.count)
        let post = ggufPostProcessor(gguf, bos: bos, eos: eos, addsBOSUnlessSaid: false)

        return Parts(
            bos: bos, eos: eos, pad: pad, unk: unk, normalizer: nil, preTokenizer: preTokenizer, model: .bpe(bpe),
            addedTokens: added, postProcessor: post, decoder: .byteLevel, tokenTexts: texts)
    }

    /// `tokenizer.ggml.merges`: "left right" strings, split on the one space (on scalars: a space
    /// before a combining mark is one Character), ranked in order.
    static func ggufMerges(_ strings: [String], vocab: Vocabulary, file: String) throws(TokenizerError) -> MergeTable {
        var merges = MergeTable(capacity: strings.count)
        for (rank, m) in strings.enumerated() {
            let parts = m.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
            guard parts.count == 2 else {
                throw TokenizerError(file: file, message: "tokenizer.ggml.merges[\(rank)] \(m.debugDescription) is not two tokens separated by one space")
            }
            try addMerge(parts[0], parts[1], rank: rank, vocab: vocab, into: &merges, file: file)
        }
        return merges
    }

    /// A `tokenizer.ggml.*_token_id`, or nil when the file has none.
    static func ggufTokenID(_ gguf: GGUFFile, _ key: String, below count: Int) throws(TokenizerError) -> Int? {
        guard let v = gguf[key] else { return nil }
        guard let id = v.intValue, id >= 0, id < count else {
            throw TokenizerError(file: gguf.path, message: "\(key) is \(v), not a token id below \(count)")
        }
        return id
    }

    /// The BOS and EOS that `tokenizer.ggml.add_bos_token` / `add_eos_token` put around a text;
    /// without the BOS flag transformers adds one to a SentencePiece vocabulary, not to a byte-level one.
    static func ggufPostProcessor(_ gguf: GGUFFile, bos: Int?, eos: Int?, addsBOSUnlessSaid: Bool) -> PostProcessor {
        let addBOS = gguf["tokenizer.ggml.add_bos_token"]?.boolValue ?? addsBOSUnlessSaid
        let addEOS = gguf["tokenizer.ggml.add_eos_token"]?.boolValue ?? false
        return PostProcessor(prefix: addBOS ? (bos.map { [$0] } ?? []) : [], suffix: addEOS ? (eos.map { [$0] } ?? []) : [])
    }
}
