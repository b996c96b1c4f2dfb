/// A byte-level BPE tokenizer, token for token identical to HuggingFace `tokenizers`.
///
/// Loaded from a tokenizer.json (+ tokenizer_config.json) or from GGUF metadata; see the loaders
/// in `Tokenizer+JSON.swift` and `Tokenizer+GGUF.swift`. Immutable after loading, so it can be
/// shared across threads.
public final class Tokenizer: Sendable {
    public let bosTokenID: Int?
    public let eosTokenID: Int?
    public let padTokenID: Int?
    public let unkTokenID: Int?
    /// One more than the largest id of the vocabulary and the added tokens (HF `len(tokenizer)`
    /// when the ids have no gaps).
    public let vocabularySize: Int

    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let model: BytePairEncoder
    /// Added tokens matched in the raw text, before normalization.
    let rawAddedTokens: AddedTokenMatcher
    /// Added tokens matched in the normalized text.
    let normalizedAddedTokens: AddedTokenMatcher
    let postProcessor: PostProcessor
    let decoder: TokenDecoder
    /// The token string of each id (vocabulary entry, or an added token's content), nil for gaps.
    let tokenTexts: [String?]
    /// What the ByteLevel decoder turns each token into.
    let tokenBytes: [[UInt8]]

    struct Parts {
        var bos: Int?, eos: Int?, pad: Int?, unk: Int?
        var normalizer: Normalizer?
        var preTokenizer: PreTokenizer?
        var model: BytePairEncoder
        var addedTokens: [AddedToken]
        var postProcessor: PostProcessor
        var decoder: TokenDecoder
        var tokenTexts: [String?]
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
        // HF keeps a `normalized` added token under its normalized content, which is what decoding shows.
        var texts = parts.tokenTexts
        if let normalizer = parts.normalizer {
            for t in parts.addedTokens where t.normalized && t.id < texts.count {
                texts[t.id] = String(decoding: normalizer.normalize(Array(t.content.utf8)), as: UTF8.self)
            }
        }
        tokenTexts = texts
        vocabularySize = texts.count
        tokenBytes = texts.map { text in
            guard let text else { return [] }
            // HF's ByteLevel decoder: a token all in the byte alphabet gives those bytes, any other
            // token (an added token such as "<|im_start|>" is usually both) its own UTF-8.
            return ByteLevelAlphabet.bytes(ofSpelled: text) ?? Array(text.utf8)
        }
    }

    /// HF `tokenizer(text).input_ids`: added and special tokens in the text are recognized, the
    /// rest is normalized, pre-tokenized and BPE-encoded, then the post-processor adds its tokens
    /// (e.g. a BOS).
    public func encode(_ text: String) -> [Int] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var cache: [ArraySlice<UInt8>: [Int32]] = [:]
        let raw = Array(text.utf8)
        for segment in rawAddedTokens.split(raw[...]) {
            switch segment {
            case .token(let id):
                ids.append(Int32(id))
            case .text(let piece):
                let normalized = normalizer.map { ArraySlice($0.normalize(Array(piece))) } ?? piece
                for inner in normalizedAddedTokens.split(normalized) {
                    switch inner {
                    case .token(let id): ids.append(Int32(id))
                    case .text(let t): encodeText(t, into: &ids, cache: &cache)
                    }
                }
            }
        }
        var out: [Int] = []
        out.reserveCapacity(ids.count + postProcessor.prefix.count + postProcessor.suffix.count)
        out += postProcessor.prefix
        for id in ids { out.append(Int(id)) }
        out += postProcessor.suffix
        return out
    }

    private func encodeText(_ text: ArraySlice<UInt8>, into ids: inout [Int32], cache: inout [ArraySlice<UInt8>: [Int32]]) {
        let pieces = preTokenizer?.split([text]) ?? [text]
        for piece in pieces where !piece.isEmpty {
            if piece.count <= 64, let hit = cache[piece] {
                ids += hit
                continue
            }
            let start = ids.count
            model.encode(piece, into: &ids)
            if piece.count <= 64, cache.count < 50_000 { cache[piece] = Array(ids[start...]) }
        }
    }

    /// HF `decode(ids)` (special tokens kept, no clean-up): the tokens' bytes joined and read as
    /// UTF-8, invalid sequences replaced by U+FFFD. Ids outside the vocabulary are skipped, as HF does.
    public func decode(_ ids: [Int]) -> String {
        switch decoder {
        case .byteLevel:
            var bytes: [UInt8] = []
            for id in ids where id >= 0 && id < tokenBytes.count { bytes += tokenBytes[id] }
            return String(decoding: bytes, as: UTF8.self)
        case .none:
            return ids.compactMap { id in (id >= 0 && id < tokenTexts.count) ? tokenTexts[id] : nil }.joined(separator: " ")
        }
    }

    /// One token as text, HF `decode([id])`: a lone byte of a multi-byte character shows as U+FFFD,
    /// a special token as its content.
    public func tokenString(_ id: Int) -> String { decode([id]) }

    /// The token string as the vocabulary spells it (e.g. "Ġthe"), or nil for an unknown id.
    public func vocabularyEntry(_ id: Int) -> String? {
        (id >= 0 && id < tokenTexts.count) ? tokenTexts[id] : nil
    }
}
