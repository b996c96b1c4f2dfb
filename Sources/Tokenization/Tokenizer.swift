import Foundation

/// A tokenizer token for token identical to HuggingFace `tokenizers`: byte-level BPE (GPT-2,
/// Llama 3, Qwen, SmolLM) and SentencePiece-style vocabularies (character BPE with byte
/// fallback, as Llama 2, Mistral, Phi-3 and Gemma use, and Unigram).
///
/// Loaded from a tokenizer.json (+ tokenizer_config.json) or from GGUF metadata; see the loaders
/// in `Tokenizer+JSON.swift`, `Tokenizer+GGUF.swift` and `Tokenizer+SentencePieceGGUF.swift`. Immutable after loading, so it can be
/// shared across threads.
public final class Tokenizer: Sendable {
    /// The beginning-of-sequence token's id: tokenizer_config.json's `bos_token`, or GGUF
    /// `tokenizer.ggml.bos_token_id`; nil when the files name none. Whether encoding adds it is
    /// up to the post-processor (GGUF: `tokenizer.ggml.add_bos_token`).
    public let bosTokenID: Int?
    /// The end-of-sequence token's id: tokenizer_config.json's `eos_token`, or GGUF
    /// `tokenizer.ggml.eos_token_id`; nil when the files name none.
    public let eosTokenID: Int?
    /// The padding token's id: tokenizer_config.json's `pad_token`, or GGUF
    /// `tokenizer.ggml.padding_token_id`; nil when the files name none.
    public let padTokenID: Int?
    /// The unknown token's id: tokenizer_config.json's `unk_token` (else the tokenizer model's own),
    /// or GGUF `tokenizer.ggml.unknown_token_id`; nil when there is none.
    public let unkTokenID: Int?
    /// The chat template the files carry (GGUF `tokenizer.chat_template`, a folder's
    /// `chat_template.jinja`, or tokenizer_config.json's `chat_template`), as Jinja source.
    public let chatTemplate: String?
    /// Where `chatTemplate` comes from (or would: the tokenizer's file), for messages.
    public let chatTemplateOrigin: String
    /// The special tokens by their tokenizer_config.json names (`bos_token`, `eos_token`,
    /// `unk_token`, `pad_token`, and `mask_token`, `sep_token`, `cls_token` when set), which chat
    /// templates read as variables.
    public let specialTokens: [String: String]
    /// Tokens that end a turn besides EOS: GGUF `tokenizer.ggml.eot_token_id` / `eom_token_id`,
    /// and the special tokens that llama.cpp treats as end of generation by their text
    /// (`<end_of_turn>`, `<|im_end|>`, `<|eot_id|>`, ...), which chat models emit after a reply.
    public let endOfTurnIDs: Set<Int>
    /// Where generation stops by default: EOS and the end-of-turn tokens.
    public var endOfGenerationIDs: Set<Int> { endOfTurnIDs.union([eosTokenID].compactMap { $0 }) }

    /// llama.cpp's end-of-generation texts (`llama-vocab.cpp`), matched against special tokens.
    static let endOfTurnTexts: Set<String> = [
        "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|return|>", "<|call|>",
    ]

    /// One more than the largest id of the vocabulary and the added tokens (HF `len(tokenizer)`
    /// when the ids have no gaps).
    public let vocabularySize: Int

    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: TokenModel
    /// Added tokens matched in the raw text, before normalization.
    let rawAddedTokens: AddedTokenMatcher
    /// Added tokens matched in the normalized text.
    let normalizedAddedTokens: AddedTokenMatcher
    let postProcessor: PostProcessor
    /// nil: HF joins the token strings with spaces.
    let decoder: TokenDecoder?
    /// The token string of each id (vocabulary entry, or an added token's content), nil for gaps.
    let tokenTexts: [String?]
    let cleansUpSpaces: Bool
    /// Pieces encoded by earlier calls.
    let wordCache = WordCache()
    let parsedTemplates = ParsedTemplates()
    /// What the ByteLevel decoder turns each token into.
    let tokenBytes: [[UInt8]]

    struct Parts {
        var bos: Int?, eos: Int?, pad: Int?, unk: Int?
        var normalizer: Normalizer?
        var preTokenizer: PreTokenizer?
        var model: TokenModel
        var addedTokens: [AddedToken]
        var postProcessor: PostProcessor
        var decoder: TokenDecoder?
        var tokenTexts: [String?]
        var chatTemplate: String? = nil
        var chatTemplateOrigin = ""
        /// transformers' `clean_up_tokenization_spaces` (it honours it for non-BPE models only).
        var cleansUpSpaces = false
        /// End-of-turn ids the file names (GGUF eot / eom).
        var endOfTurn: [Int] = []
        /// Named special tokens beyond BOS, EOS, UNK and PAD (`mask_token`, `sep_token`, `cls_token`).
        var otherSpecialTokens: [String: String] = [:]
    }

    init(parts: Parts) {
        bosTokenID = parts.bos
        eosTokenID = parts.eos
        padTokenID = parts.pad
        unkTokenID = parts.unk
        normalizer = parts.normalizer
        preTokenizer = parts.preTokenizer
        model = parts.model
        rawAddedTokens = AddedTokenMatcher(parts.addedTokens.filter { !$0.normalized })
        normalizedAddedTokens = AddedTokenMatcher(parts.addedTokens.filter { $0.normalized }, normalizer: parts.normalizer)
        postProcessor = parts.postProcessor
        decoder = parts.decoder
        chatTemplate = parts.chatTemplate
        chatTemplateOrigin = parts.chatTemplateOrigin
        cleansUpSpaces = parts.cleansUpSpaces
        var named = parts.otherSpecialTokens
        for (key, id) in [("bos_token", parts.bos), ("eos_token", parts.eos), ("unk_token", parts.unk), ("pad_token", parts.pad)] {
            if let id, id >= 0, id < parts.tokenTexts.count, let text = parts.addedTokens.last(where: { $0.id == id })?.content ?? parts.tokenTexts[id] {
                named[key] = text
            }
        }
        specialTokens = named
        endOfTurnIDs = Set(parts.endOfTurn + parts.addedTokens.filter { $0.special && Self.endOfTurnTexts.contains($0.content) }.map(\.id))
        // HF keeps a `normalized` added token under its normalized content, which is what decoding shows.
        var texts = parts.tokenTexts
        if let normalizer = parts.normalizer {
            for t in parts.addedTokens where t.normalized && t.id < texts.count {
                texts[t.id] = String(decoding: normalizer.normalize(Array(t.content.utf8)), as: UTF8.self)
            }
        }
        tokenTexts = texts
        vocabularySize = texts.count
        guard case .byteLevel = parts.decoder else {
            tokenBytes = []
            return
        }
        tokenBytes = texts.map { text in
            guard let text else { return [] }
            // HF's ByteLevel decoder: a token all in the byte alphabet gives those bytes, any other
            // token (an added token such as "<|im_start|>" is usually both) its own UTF-8.
            return ByteLevelAlphabet.bytes(ofSpelled: text) ?? Array(text.utf8)
        }
    }

    /// HF `tokenizer(text).input_ids`: added and special tokens in the text are recognized, the
    /// rest is normalized, pre-tokenized and BPE-encoded, then the post-processor adds its tokens
    /// (e.g. a BOS) unless `addSpecialTokens` is false (HF `add_special_tokens=False`, which
    /// `apply_chat_template` uses: the template writes its own).
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var state = EncodeState(known: wordCache.snapshot())
        defer {
            let fresh = state.fresh
            state.known = WordTable()  // let go of the snapshot first, so that adding does not copy the table
            wordCache.add(fresh)
        }
        let raw = Array(text.utf8)
        for segment in rawAddedTokens.split(raw[...]) {
            switch segment {
            case .token(let id):
                ids.append(Int32(id))
            case .text(let piece):
                let atStart = piece.startIndex == 0
                let normalized = normalizer.map { ArraySlice($0.normalize(Array(piece))) } ?? piece
                for inner in normalizedAddedTokens.split(normalized) {
                    switch inner {
                    case .token(let id): ids.append(Int32(id))
                    case .text(let t): encodeText(t, atStart: atStart && t.startIndex == normalized.startIndex, into: &ids, state: &state)
                    }
                }
            }
        }
        var out: [Int] = []
        out.reserveCapacity(ids.count + postProcessor.prefix.count + postProcessor.suffix.count)
        if addSpecialTokens { out += postProcessor.prefix }
        for id in ids { out.append(Int(id)) }
        if addSpecialTokens { out += postProcessor.suffix }
        return out
    }

    /// `atStart`: the text begins the input (no added token before it), which Metaspace's
    /// `first` scheme looks at.
    private func encodeText(_ text: ArraySlice<UInt8>, atStart: Bool, into ids: inout [Int32], state: inout EncodeState) {
        let pieces = preTokenizer?.split([text], atStart: atStart) ?? [text]
        // The model's payload is taken out once, not per piece (each copy retains its arrays).
        switch model {
        case .bpe(let bpe):
            for whole in pieces where !whole.isEmpty {
                if let id = bpe.wholeWord(whole) {
                    ids.append(id)
                    continue
                }
                bpe.segmentEnds(of: whole, into: &state.ends)
                var start = whole.startIndex
                for end in state.ends {
                    encodeCached(whole[start..<end], into: &ids, state: &state) { piece, ids, state in
                        bpe.encode(piece, into: &ids, scratch: &state.scratch)
                    }
                    start = end
                }
            }
        case .unigram(let unigram):
            for piece in pieces where !piece.isEmpty {
                encodeCached(piece, into: &ids, state: &state) { piece, ids, _ in unigram.encode(piece, into: &ids) }
            }
        }
    }

    /// The ids of `piece` from the word cache, or from `encode` (then cached when short).
    @inline(__always)
    private func encodeCached(
        _ piece: ArraySlice<UInt8>, into ids: inout [Int32], state: inout EncodeState,
        _ encode: (ArraySlice<UInt8>, inout [Int32], inout EncodeState) -> Void
    ) {
        let hash = WordTable.hash(piece)
        if state.known.append(piece, hash: hash, to: &ids) || state.fresh.append(piece, hash: hash, to: &ids) { return }
        let first = ids.count
        encode(piece, &ids, &state)
        if piece.count <= 64, state.fresh.count < 50_000 { state.fresh.insert(piece, hash: hash, ids: ids[first...]) }
    }

    /// HF `decode(ids)` (special tokens kept, no clean-up): the tokens' bytes joined and read as
    /// UTF-8, invalid sequences replaced by U+FFFD. Ids outside the vocabulary are skipped, as HF does.
    public func decode(_ ids: [Int]) -> String {
        let text = decodeTokens(ids)
        guard cleansUpSpaces else { return text }
        // transformers' clean_up_tokenization, in its order.
        var t = text
        for (a, b) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            t = t.replacingAll(a, with: b)
        }
        return t
    }

    private func decodeTokens(_ ids: [Int]) -> String {
        if case .byteLevel = decoder {
            var bytes: [UInt8] = []
            for id in ids where id >= 0 && id < tokenBytes.count { bytes += tokenBytes[id] }
            return String(decoding: bytes, as: UTF8.self)
        }
        let tokens = ids.compactMap(vocabularyEntry)
        return decoder.map { $0.chain(tokens).joined() } ?? tokens.joined(separator: " ")
    }

    /// One token as text, HF `decode([id])`: a lone byte of a multi-byte character shows as U+FFFD,
    /// a special token as its content.
    public func tokenString(_ id: Int) -> String { decode([id]) }

    /// The token string as the vocabulary spells it (e.g. "Ġthe"), or nil for an unknown id.
    public func vocabularyEntry(_ id: Int) -> String? {
        (id >= 0 && id < tokenTexts.count) ? tokenTexts[id] : nil
    }
}

/// What one `encode` call keeps from piece to piece: the ids of pieces seen (words repeat) and
/// scratch arrays.
struct EncodeState {
    /// The tokenizer's word cache as this call began.
    var known: WordTable
    /// Pieces this call encoded.
    var fresh = WordTable()
    var scratch = BytePairEncoder.Scratch()
    var ends: [Int] = []
}
