import GGUF

extension Tokenizer {
    /// The SentencePiece-style tokenizer of a GGUF with `tokenizer.ggml.model = "llama"`, built as
    /// transformers' GGUF loader builds it (`integrations/gguf/gguf_tokenizer_mapping.py`), which
    /// is the oracle: character BPE with byte fallback over the file's tokens, its merges or, when
    /// it lists none, merges derived from the vocabulary; and, by architecture:
    /// - Gemma 1-3: spaces replaced by `▁` with no prefix; merges ranked by token order; tokens of
    ///   two or more spaces respelled as `▁`s;
    /// - Phi-3: a `▁` prepended to every text segment by a normalizer;
    /// - others (Llama 2, Mistral...): `Metaspace` with a prefix `▁` on the first segment.
    /// `tokenizer.ggml.add_space_prefix` is not read: transformers ignores it too.
    static func sentencePieceParts(gguf: GGUFFile, tokens fileTokens: [String], types: [Int]) throws(TokenizerError) -> Parts {
        let file = gguf.path
        let architecture = gguf["general.architecture"]?.stringValue ?? ""
        let isGemma = ["gemma", "gemma2", "gemma3"].contains(architecture)
        let isPhi3 = architecture == "phi3"

        // Gemma stores a token of spaces with real spaces; GemmaTokenizer looks it up as ▁s.
        let tokens = isGemma ? fileTokens.map(respellSpaces) : fileTokens
        let index = TokenIndex(tokens)
        func id(_ token: String) -> Int? { index.id(of: token) }

        var scores: [Double] = []
        if let list = gguf["tokenizer.ggml.scores"]?.arrayValue {
            scores = list.map { $0.doubleValue ?? .nan }
            guard scores.count == tokens.count else {
                throw TokenizerError(file: file, message: "tokenizer.ggml.scores has \(scores.count) entries for \(tokens.count) tokens")
            }
            if let bad = scores.firstIndex(where: \.isNaN) {
                throw TokenizerError(file: file, message: "tokenizer.ggml.scores[\(bad)] is not a number")
            }
        }

        let merges: MergeTable
        if let listed = gguf["tokenizer.ggml.merges"] {
            guard let strings = listed.arrayValue?.compactMap(\.stringValue), strings.count == listed.arrayValue?.count else {
                throw TokenizerError(file: file, message: "tokenizer.ggml.merges is not an array of strings")
            }
            var vocab: Vocabulary = [:]
            vocab.reserveCapacity(tokens.count)
            for (k, t) in tokens.enumerated() { vocab[t] = Int32(k) }
            merges = try ggufMerges(strings, vocab: vocab, file: file)
        } else if isGemma {
            // Gemma's scores do not follow its merge order; the token order does.
            merges = MergeDerivation.merges(index: index) { -Double($0) }
        } else {
            guard !scores.isEmpty else {
                throw TokenizerError(file: file, message: "tokenizer.ggml.scores is missing, and the file lists no merges to use instead")
            }
            merges = MergeDerivation.merges(index: index) { [scores] in scores[$0] }
        }

        // Special tokens: transformers names each by the file's spelling at its id, and looks that up.
        func special(_ key: String) throws(TokenizerError) -> (name: String, id: Int)? {
            guard let n = try ggufTokenID(gguf, key, below: tokens.count) else { return nil }
            let name = fileTokens[n]
            return id(name).map { (name, $0) }
        }
        let bos = try special("tokenizer.ggml.bos_token_id")
        let eos = try special("tokenizer.ggml.eos_token_id")
        let unk = try special("tokenizer.ggml.unknown_token_id")
        let pad = try special("tokenizer.ggml.padding_token_id")

        let symbols = CharacterSymbols(
            vocabulary: tokens.indices.lazy.filter { index.isSingleScalar($0) || CharacterSymbols.byteToken(tokens[$0]) != nil }.map { (tokens[$0], Int32($0)) },
            byteFallback: true, fuseUnknown: true,
            joinedBeforeMarker: CharacterSymbols.scalarsBeforeMarker(in: (0..<index.count).lazy.map(index.bytes(of:))))
        // LlamaTokenizer gives its BPE no unknown token (unknown characters without byte tokens
        // vanish); GemmaTokenizer gives it the file's.
        let unknownID = isGemma ? unk.map { Int32($0.id) } : nil
        let bpe = BytePairEncoder(initial: .characters(symbols), merges: merges, wholeWords: nil, unknownID: unknownID)

        var texts = [String?](repeating: nil, count: tokens.count)
        for (k, t) in tokens.enumerated() where index.isLast(k) { texts[k] = t }

        // Control tokens become special added tokens, user-defined ones plain added tokens, and
        // the named special tokens special ones; all are matched whole in the raw text.
        var added: [AddedToken] = []
        var addedIDs = Set<Int>()
        /// A token named but missing from the vocabulary is added after it, as transformers does.
        func add(_ content: String, special: Bool, createMissing: Bool = false) {
            var n = id(content)
            if n == nil, createMissing, !added.contains(where: { $0.content.sameBytes(as: content) }) {
                n = texts.count
                texts.append(content)
            }
            guard let n, addedIDs.insert(n).inserted else { return }
            added.append(AddedToken(id: n, content: content, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: special))
        }
        for t in [bos, eos, unk, pad].compactMap({ $0 }) { add(t.name, special: true) }
        for (k, t) in fileTokens.enumerated() where k < types.count && types[k] == 3 { add(t, special: true) }
        for (k, t) in fileTokens.enumerated() where k < types.count && types[k] == 4 { add(t, special: false) }
        // The class's default special tokens are special whatever the file says, and added when
        // the vocabulary lacks them.
        for name in isGemma ? ["<unk>", "<bos>", "<eos>", "<pad>", "<mask>"] : ["<unk>", "<s>", "</s>"] {
            add(name, special: true, createMissing: true)
        }

        let post = ggufPostProcessor(gguf, bos: bos?.id, eos: eos?.id, addsBOSUnlessSaid: true)

        // The classes transformers hands the vocabulary to; Phi-3 swaps Llama's Metaspace for a normalizer.
        let shape: TransformersClass = isGemma ? .gemma : .llama(prefixSpace: true, legacy: false)
        let normalizer = isPhi3 ? .sequence([.prepend(TransformersClass.meta), .replace(pattern: TransformersClass.space, content: TransformersClass.meta)]) : shape.normalizer
        let preTokenizer = isPhi3 ? nil : shape.preTokenizer
        var parts = Parts(
            bos: bos?.id, eos: eos?.id, pad: pad?.id, unk: unk?.id, normalizer: normalizer, preTokenizer: preTokenizer,
            model: .bpe(bpe), addedTokens: added, postProcessor: post, decoder: shape.decoder, tokenTexts: texts)
        if isGemma { parts.otherSpecialTokens["mask_token"] = "<mask>" }  // GemmaTokenizer's default
        return parts
    }

    /// transformers' Gemma fix: a token of Python whitespace that holds a space becomes that many `▁`s.
    static func respellSpaces(_ token: String) -> String {
        guard token.utf8.contains(0x20) else { return token }
        let scalars = token.unicodeScalars
        guard scalars.contains(" "), scalars.allSatisfy(isPythonSpace) else { return token }
        return String(repeating: "\u{2581}", count: scalars.count)
    }

    /// Python's `str.isspace` for one scalar: Unicode White_Space plus the separators U+001C-U+001F.
    static func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
        s.properties.isWhitespace || (0x1C...0x1F).contains(s.value)
    }
}
