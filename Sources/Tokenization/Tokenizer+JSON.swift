import Foundation

extension Tokenizer {
    /// Loads a HuggingFace tokenizer.json, and optionally its tokenizer_config.json for the special
    /// tokens (`bos_token`, `eos_token`, `pad_token`, `unk_token`). Whether a BOS is added comes
    /// from tokenizer.json's post-processor, as in transformers, which ignores the config's
    /// `add_bos_token` / `add_eos_token` when a tokenizer.json exists.
    public convenience init(tokenizerJSON: URL, config: URL?) throws(TokenizerError) {
        let file = tokenizerJSON.path
        let json = try Self.readJSON(tokenizerJSON)
        let configJSON = try config.map { url throws(TokenizerError) in try Self.readJSON(url) }
        try self.init(parts: Self.parts(json: json, file: file, config: configJSON, configFile: config?.path ?? ""))
    }

    /// Loads `tokenizer.json` (required) and `tokenizer_config.json` (when present) from a folder.
    public convenience init(folder: URL) throws(TokenizerError) {
        let json = folder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: json.path) else {
            throw TokenizerError(file: folder.path, message: "no tokenizer.json in this folder")
        }
        let config = folder.appendingPathComponent("tokenizer_config.json")
        try self.init(tokenizerJSON: json, config: FileManager.default.fileExists(atPath: config.path) ? config : nil)
    }

    static func readJSON(_ url: URL) throws(TokenizerError) -> JSONValue {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TokenizerError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        do {
            return try JSONParser.parse([UInt8](data))
        } catch {
            throw TokenizerError(file: url.path, message: "invalid JSON at byte \(error.offset): \(error.message)")
        }
    }

    static func parts(json: JSONValue, file: String, config: JSONValue?, configFile: String) throws(TokenizerError) -> Parts {
        guard json.object != nil else {
            throw TokenizerError(file: file, message: "the top level is \(json.kind), not an object")
        }
        guard let model = json["model"], model.object != nil else {
            throw TokenizerError(file: file, message: "missing \"model\"")
        }
        let type = model["type"]?.string ?? "BPE"
        guard type == "BPE" else {
            throw TokenizerError(file: file, message: "model type \"\(type)\" is not supported (rat reads byte-level BPE)")
        }
        if let d = model["dropout"], !d.isNull, (d.int ?? 1) != 0 {
            throw TokenizerError(file: file, message: "BPE dropout is not supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key]?.string, !s.isEmpty {
                throw TokenizerError(file: file, message: "BPE \(key) \"\(s)\" is not supported")
            }
        }
        if model["byte_fallback"]?.bool == true {
            throw TokenizerError(file: file, message: "BPE byte_fallback is not supported (rat reads byte-level BPE)")
        }

        // Vocabulary.
        guard let vocabPairs = model["vocab"]?.object else {
            throw TokenizerError(file: file, message: "model has no \"vocab\" object")
        }
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(vocabPairs.count)
        var maxID = -1
        for (token, value) in vocabPairs {
            guard let id = value.int, id >= 0, id < Int(Int32.max) else {
                throw TokenizerError(file: file, message: "vocab entry \(token.debugDescription) has id \(value), not a non-negative integer")
            }
            vocab[token] = Int32(id)
            maxID = max(maxID, id)
        }

        // Merges: "a b" strings or ["a", "b"] pairs.
        guard let mergeList = model["merges"]?.array else {
            throw TokenizerError(file: file, message: "model has no \"merges\" array")
        }
        let merges = try buildMerges(mergeList.enumerated().lazy.map { (k, v) -> (Int, JSONValue) in (k, v) }, count: mergeList.count, vocab: vocab, file: file) { v in
            if let s = v.string {
                let parts = s.split(separator: " ", omittingEmptySubsequences: false)
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }
            if let a = v.array, a.count == 2, let l = a[0].string, let r = a[1].string { return (l, r) }
            return nil
        }

        var unknownID: Int32? = nil
        if let unk = model["unk_token"]?.string {
            guard let id = vocab[unk] else {
                throw TokenizerError(file: file, message: "unk_token \(unk.debugDescription) is not in the vocabulary")
            }
            unknownID = id
        }
        let ignoreMerges = model["ignore_merges"]?.bool ?? false
        let bpe = makeEncoder(vocab: vocab, merges: merges, ignoreMerges: ignoreMerges, unknownID: unknownID)

        // Added tokens.
        // HF re-adds them in file order: a token already in the vocabulary (or added before) keeps
        // that id, a new one takes the next id after the vocabulary and the added tokens. For a
        // consistent file this is the id written in it.
        var added: [AddedToken] = []
        var addedIDs: [String: Int] = [:]
        var maxAdded = -1
        for (k, item) in (json["added_tokens"]?.array ?? []).enumerated() {
            guard item["id"]?.int != nil, let content = item["content"]?.string else {
                throw TokenizerError(file: file, message: "added_tokens[\(k)] needs an integer \"id\" and a string \"content\"")
            }
            let id: Int
            if let existing = addedIDs[content] ?? vocab[content].map(Int.init) {
                id = existing
            } else {
                id = maxAdded >= vocab.count || vocab.isEmpty ? maxAdded + 1 : vocab.count
            }
            addedIDs[content] = id
            maxAdded = max(maxAdded, id)
            added.removeAll { $0.content == content }
            added.append(AddedToken(
                id: id, content: content,
                singleWord: item["single_word"]?.bool ?? false, lstrip: item["lstrip"]?.bool ?? false,
                rstrip: item["rstrip"]?.bool ?? false, normalized: item["normalized"]?.bool ?? !(item["special"]?.bool ?? false),
                special: item["special"]?.bool ?? false))
            maxID = max(maxID, id)
        }

        var texts = [String?](repeating: nil, count: maxID + 1)
        for (token, id) in vocab { texts[Int(id)] = token }
        for t in added { texts[t.id] = t.content }

        let normalizer = try json["normalizer"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try Normalizer.from(json: v, file: file) }
        let preTokenizer = try json["pre_tokenizer"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try PreTokenizer.from(json: v, file: file) }
        let post = try json["post_processor"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try PostProcessor.from(json: v, file: file) } ?? PostProcessor()

        let decoder: TokenDecoder
        if let d = json["decoder"], !d.isNull {
            guard let type = d["type"]?.string else { throw TokenizerError(file: file, message: "decoder has no \"type\"") }
            guard type == "ByteLevel" else {
                throw TokenizerError(file: file, message: "decoder type \"\(type)\" is not supported (only ByteLevel)")
            }
            decoder = .byteLevel
        } else {
            decoder = .none
        }

        // Special tokens: tokenizer_config.json names them; ids come from the added tokens, then the vocabulary.
        func idOf(_ token: String) -> Int? {
            if let t = added.last(where: { $0.content == token }) { return t.id }
            return vocab[token].map(Int.init)
        }
        func special(_ key: String) throws(TokenizerError) -> Int? {
            guard let config, let v = config[key], !v.isNull else { return nil }
            guard let name = v.string ?? v["content"]?.string else {
                throw TokenizerError(file: configFile, message: "\"\(key)\" is \(v.kind), not a token string or {\"content\": ...}")
            }
            guard let id = idOf(name) else {
                throw TokenizerError(file: configFile, message: "\(key) \(name.debugDescription) is not a token of \(file)")
            }
            return id
        }
        let bos = try special("bos_token")
        let eos = try special("eos_token")
        let pad = try special("pad_token")
        let unk = try special("unk_token") ?? unknownID.map(Int.init)

        // add_bos_token / add_eos_token in tokenizer_config.json are deliberately not applied:
        // transformers drops them whenever a tokenizer.json exists (tokenization_utils_base.py,
        // `init_kwargs.pop("add_bos_token")`), so a BOS comes only from the post-processor.
        // (GGUF files are different: there the add_bos_token flag is what adds the BOS.)

        return Parts(
            bos: bos, eos: eos, pad: pad, unk: unk, normalizer: normalizer, preTokenizer: preTokenizer, model: bpe,
            addedTokens: added, postProcessor: post, decoder: decoder, tokenTexts: texts)
    }

    /// Resolves merges to ids: (left << 32 | right) -> (rank << 32 | merged id).
    static func buildMerges<S: Sequence>(
        _ items: S, count: Int, vocab: [String: Int32], file: String, pair: (JSONValue) -> (String, String)?
    ) throws(TokenizerError) -> [UInt64: UInt64] where S.Element == (Int, JSONValue) {
        var merges: [UInt64: UInt64] = [:]
        merges.reserveCapacity(count)
        for (rank, item) in items {
            guard let (l, r) = pair(item) else {
                throw TokenizerError(file: file, message: "merge #\(rank) is not \"a b\" or [\"a\", \"b\"]")
            }
            try addMerge(l, r, rank: rank, vocab: vocab, into: &merges, file: file)
        }
        return merges
    }

    static func addMerge(_ l: String, _ r: String, rank: Int, vocab: [String: Int32], into merges: inout [UInt64: UInt64], file: String) throws(TokenizerError) {
        guard let a = vocab[l] else {
            throw TokenizerError(file: file, message: "merge #\(rank) (\(l.debugDescription) + \(r.debugDescription)) names \(l.debugDescription), which is not in the vocabulary")
        }
        guard let b = vocab[r] else {
            throw TokenizerError(file: file, message: "merge #\(rank) (\(l.debugDescription) + \(r.debugDescription)) names \(r.debugDescription), which is not in the vocabulary")
        }
        guard let m = vocab[l + r] else {
            throw TokenizerError(file: file, message: "merge #\(rank) makes \((l + r).debugDescription), which is not in the vocabulary")
        }
        merges[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: m))
    }

    static func makeEncoder(vocab: [String: Int32], merges: [UInt64: UInt64], ignoreMerges: Bool, unknownID: Int32?) -> BytePairEncoder {
        var byteIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            if let id = vocab[String(Character(ByteLevelAlphabet.characters[b]))] { byteIDs[b] = id }
        }
        var whole: [[UInt8]: Int32]? = nil
        if ignoreMerges {
            var w: [[UInt8]: Int32] = [:]
            w.reserveCapacity(vocab.count)
            for (token, id) in vocab {
                if let bytes = ByteLevelAlphabet.bytes(ofSpelled: token) { w[bytes] = id }
            }
            whole = w
        }
        return BytePairEncoder(byteTokenIDs: byteIDs, merges: merges, wholeWords: whole, unknownID: unknownID)
    }
}
