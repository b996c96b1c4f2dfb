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
        var parts = try Self.parts(json: json, file: file, config: configJSON, configFile: config?.path ?? "")
        parts.cleansUpSpaces = configJSON?["clean_up_tokenization_spaces"]?.bool == true && json["model"]?["type"]?.string == "Unigram"
        (parts.chatTemplate, parts.chatTemplateOrigin) = try Self.chatTemplate(beside: tokenizerJSON, config: configJSON, configFile: config?.path ?? "")
        for key in ["mask_token", "sep_token", "cls_token"] {
            if let v = configJSON?[key], let name = v.string ?? v["content"]?.string { parts.otherSpecialTokens[key] = name }
        }
        self.init(parts: parts)
    }

    /// The chat template of a tokenizer folder, as transformers finds it: `chat_template.jinja`
    /// beside tokenizer.json, else tokenizer_config.json's `chat_template` (a string, or a list of
    /// named templates, of which rat takes `default`).
    static func chatTemplate(beside tokenizerJSON: URL, config: JSONValue?, configFile: String) throws(TokenizerError) -> (String?, String) {
        let jinja = tokenizerJSON.deletingLastPathComponent().appendingPathComponent("chat_template.jinja")
        if FileManager.default.fileExists(atPath: jinja.path) {
            do {
                return (try String(contentsOf: jinja, encoding: .utf8), jinja.path)
            } catch {
                throw TokenizerError(file: jinja.path, message: "cannot read the chat template (\(error.localizedDescription))")
            }
        }
        guard let value = config?["chat_template"], !value.isNull else { return (nil, configFile.isEmpty ? tokenizerJSON.path : configFile) }
        if let s = value.string { return (s, configFile) }
        if let list = value.array {
            var names: [String] = []
            for item in list {
                guard let name = item["name"]?.string, let template = item["template"]?.string else {
                    throw TokenizerError(file: configFile, message: "chat_template list entries need \"name\" and \"template\" strings")
                }
                if name == "default" { return (template, "\(configFile) (chat_template \"default\")") }
                names.append(name)
            }
            throw TokenizerError(file: configFile, message: "chat_template has no template named \"default\" (it has: \(names.joined(separator: ", ")))")
        }
        throw TokenizerError(file: configFile, message: "chat_template is \(value.kind), not a string or a list of named templates")
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
        let rebuild = TransformersClass(config: config)
        var preTokenizer = try json["pre_tokenizer"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try PreTokenizer.from(json: v, file: file) }
        let type = model["type"]?.string ?? "BPE"
        let vocab: Vocabulary
        var maxID: Int
        /// The model's own tokens by id, and HF's `get_vocab_size()` (where added tokens start).
        var modelTokens: [String?]
        let modelSize: Int
        let tokenModel: TokenModel
        var unknownID: Int32? = nil
        switch type {
        case "BPE":
            (vocab, maxID) = try bpeVocabulary(model, file: file)
            modelTokens = [String?](repeating: nil, count: maxID + 1)
            for (token, id) in vocab { modelTokens[Int(id)] = token.string }
            modelSize = vocab.count
            if let unk = model["unk_token"]?.string {
                guard let id = vocab[unk] else {
                    throw TokenizerError(file: file, message: "unk_token \(unk.debugDescription) is not in the vocabulary")
                }
                unknownID = id
            }
            if let rebuild {
                // transformers rebuilds the BPE model as this class does, from the file's vocabulary and merges.
                let rebuilt = try bpeModel(
                    model, vocab: vocab, unknownID: rebuild.keepsUnknownToken ? unknownID : nil, byteLevel: false,
                    byteFallback: true, fuseUnknown: true, file: file)
                tokenModel = .bpe(rebuilt)
                if !rebuild.keepsUnknownToken { unknownID = nil }
            } else {
                tokenModel = .bpe(try bpeModel(model, vocab: vocab, unknownID: unknownID, byteLevel: preTokenizer?.isByteLevel ?? false, file: file))
            }
        case "Unigram":
            let (pieces, unigramVocab) = try unigramPieces(model, file: file)
            vocab = unigramVocab
            maxID = pieces.count - 1
            modelTokens = pieces.map(\.token)
            modelSize = pieces.count
            guard let unk = model["unk_id"]?.int else {
                throw TokenizerError(file: file, message: "a Unigram model without \"unk_id\" is not supported")
            }
            guard unk >= 0, unk < pieces.count else {
                throw TokenizerError(file: file, message: "Unigram unk_id \(unk) is not below the vocabulary size \(pieces.count)")
            }
            unknownID = Int32(unk)
            tokenModel = .unigram(UnigramModel(pieces: pieces, unknownID: Int32(unk), byteFallback: model["byte_fallback"]?.bool ?? false))
        default:
            throw TokenizerError(file: file, message: "model type \"\(type)\" is not supported (rat reads BPE and Unigram)")
        }

        // Added tokens.
        // HF re-adds them in file order: a token already in the vocabulary (or added before) keeps
        // that id, a new one takes the next id after the vocabulary and the added tokens. For a
        // consistent file this is the id written in it.
        var added: [AddedToken] = []
        var addedIDs: [Spelling: Int] = [:]
        var maxAdded = -1
        for (k, item) in (json["added_tokens"]?.array ?? []).enumerated() {
            guard let written = item["id"]?.int, let content = item["content"]?.string else {
                throw TokenizerError(file: file, message: "added_tokens[\(k)] needs an integer \"id\" and a string \"content\"")
            }
            // The id is re-derived below, as HF does, but one no tokenizer can hold is a broken file.
            guard written >= 0 && written < Int(Int32.max) else {
                throw TokenizerError(file: file, message: "added_tokens[\(k)] has id \(written), not a token id (0...\(Int32.max - 1))")
            }
            let id: Int
            if let existing = addedIDs[content] ?? vocab[content].map(Int.init) {
                id = existing
            } else {
                id = maxAdded >= modelSize || modelSize == 0 ? maxAdded + 1 : modelSize
            }
            addedIDs[content] = id
            maxAdded = max(maxAdded, id)
            added.removeAll { $0.content.sameBytes(as: content) }
            added.append(AddedToken(
                id: id, content: content,
                singleWord: item["single_word"]?.bool ?? false, lstrip: item["lstrip"]?.bool ?? false,
                rstrip: item["rstrip"]?.bool ?? false, normalized: item["normalized"]?.bool ?? !(item["special"]?.bool ?? false),
                special: item["special"]?.bool ?? false))
            maxID = max(maxID, id)
        }

        var texts = modelTokens + [String?](repeating: nil, count: maxID + 1 - modelTokens.count)
        for t in added { texts[t.id] = t.content }

        var normalizer = try json["normalizer"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try Normalizer.from(json: v, file: file) }
        let post = try json["post_processor"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try PostProcessor.from(json: v, file: file) } ?? PostProcessor()

        var decoder = try json["decoder"].flatMap { v throws(TokenizerError) in v.isNull ? nil : try TokenDecoder.from(json: v, file: file) }
        if let rebuild, type == "BPE" {
            normalizer = rebuild.normalizer
            preTokenizer = rebuild.preTokenizer
            decoder = rebuild.decoder
        }

        // Special tokens: tokenizer_config.json names them; ids come from the added tokens, then the vocabulary.
        func idOf(_ token: String) -> Int? {
            if let t = added.last(where: { $0.content.sameBytes(as: token) }) { return t.id }
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
            bos: bos, eos: eos, pad: pad, unk: unk, normalizer: normalizer, preTokenizer: preTokenizer, model: tokenModel,
            addedTokens: added, postProcessor: post, decoder: decoder, tokenTexts: texts)
    }

    /// A BPE model's vocabulary and its largest id.
    static func bpeVocabulary(_ model: JSONValue, file: String) throws(TokenizerError) -> (Vocabulary, Int) {
        guard let vocabPairs = model["vocab"]?.object else {
            throw TokenizerError(file: file, message: "model has no \"vocab\" object")
        }
        var vocab: Vocabulary = [:]
        vocab.reserveCapacity(vocabPairs.count)
        var maxID = -1
        for (token, value) in vocabPairs {
            guard let id = value.int, id >= 0, id < Int(Int32.max) else {
                throw TokenizerError(file: file, message: "vocab entry \(token.debugDescription) has id \(value), not a non-negative integer")
            }
            vocab[token] = Int32(id)
            maxID = max(maxID, id)
        }
        // Tokens are held by id, so an id far past the entries would cost memory for ids nobody
        // uses (a fuzzed file's 268,971,544 took 4.3 GB). Real files leave a few ids to added tokens.
        if maxID >= vocab.count + maximumUnusedIDs {
            throw TokenizerError(
                file: file,
                message: "vocab id \(maxID) is far past the vocabulary's \(vocab.count) entries (rat reads ids up to \(vocab.count + maximumUnusedIDs - 1))")
        }
        return (vocab, maxID)
    }

    /// How many ids a BPE vocabulary may leave unused below its largest one.
    static let maximumUnusedIDs = 1 << 20

    /// The BPE model: byte-level when the pre-tokenizer respells bytes (ByteLevel), else on
    /// characters, with `byte_fallback` and `fuse_unk` as the file says.
    static func bpeModel(
        _ model: JSONValue, vocab: Vocabulary, unknownID: Int32?, byteLevel: Bool, byteFallback: Bool? = nil, fuseUnknown: Bool? = nil,
        file: String
    ) throws(TokenizerError) -> BytePairEncoder {
        if let d = model["dropout"], !d.isNull, (d.int ?? 1) != 0 {
            throw TokenizerError(file: file, message: "BPE dropout is not supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let s = model[key]?.string, !s.isEmpty {
                throw TokenizerError(file: file, message: "BPE \(key) \"\(s)\" is not supported")
            }
        }
        // Merges: "a b" strings or ["a", "b"] pairs.
        guard let mergeList = model["merges"]?.array else {
            throw TokenizerError(file: file, message: "model has no \"merges\" array")
        }
        let merges = try buildMerges(mergeList.enumerated().lazy.map { (k, v) -> (Int, JSONValue) in (k, v) }, count: mergeList.count, vocab: vocab, file: file) { v in
            if let s = v.string {
                let parts = s.unicodeScalars.split(separator: " ", omittingEmptySubsequences: false).map { String(String.UnicodeScalarView($0)) }
                return parts.count == 2 ? (parts[0], parts[1]) : nil
            }
            if let a = v.array, a.count == 2, let l = a[0].string, let r = a[1].string { return (l, r) }
            return nil
        }
        let ignoreMerges = model["ignore_merges"]?.bool ?? false
        if byteLevel {
            return makeEncoder(vocab: vocab, merges: merges, ignoreMerges: ignoreMerges, unknownID: unknownID)
        }
        let symbols = CharacterSymbols(
            vocabulary: vocab.lazy.map { ($0.key.string, $0.value) }, byteFallback: byteFallback ?? model["byte_fallback"]?.bool ?? false,
            fuseUnknown: fuseUnknown ?? model["fuse_unk"]?.bool ?? false,
            joinedBeforeMarker: CharacterSymbols.scalarsBeforeMarker(in: vocab.keys.lazy.map(\.bytes)))
        var whole: [[UInt8]: Int32]? = nil
        if ignoreMerges {
            var w: [[UInt8]: Int32] = [:]
            for (token, id) in vocab { w[token.bytes] = id }
            whole = w
        }
        return BytePairEncoder(initial: .characters(symbols), merges: merges, wholeWords: whole, unknownID: unknownID)
    }

    /// A Unigram model's `[token, score]` pairs and its vocabulary (a later duplicate wins).
    static func unigramPieces(_ model: JSONValue, file: String) throws(TokenizerError) -> ([(token: String, score: Double)], Vocabulary) {
        guard let list = model["vocab"]?.array, !list.isEmpty else {
            throw TokenizerError(file: file, message: "Unigram model has no non-empty \"vocab\" array")
        }
        var pieces: [(token: String, score: Double)] = []
        pieces.reserveCapacity(list.count)
        var vocab: Vocabulary = [:]
        for (k, item) in list.enumerated() {
            guard let pair = item.array, pair.count == 2, let token = pair[0].string, case .number(let score) = pair[1] else {
                throw TokenizerError(file: file, message: "Unigram vocab[\(k)] is not [token, score]")
            }
            pieces.append((token, score))
            vocab[token] = Int32(k)
        }
        return (pieces, vocab)
    }

    /// Resolves merges to ids: (left << 32 | right) -> (rank << 32 | merged id).
    static func buildMerges<S: Sequence>(
        _ items: S, count: Int, vocab: Vocabulary, file: String, pair: (JSONValue) -> (String, String)?
    ) throws(TokenizerError) -> MergeTable where S.Element == (Int, JSONValue) {
        var merges = MergeTable(capacity: count)
        for (rank, item) in items {
            guard let (l, r) = pair(item) else {
                throw TokenizerError(file: file, message: "merge #\(rank) is not \"a b\" or [\"a\", \"b\"]")
            }
            try addMerge(l, r, rank: rank, vocab: vocab, into: &merges, file: file)
        }
        return merges
    }

    static func addMerge(_ l: String, _ r: String, rank: Int, vocab: Vocabulary, into merges: inout MergeTable, file: String) throws(TokenizerError) {
        guard let a = vocab[l] else {
            throw TokenizerError(file: file, message: "merge #\(rank) (\(l.debugDescription) + \(r.debugDescription)) names \(l.debugDescription), which is not in the vocabulary")
        }
        guard let b = vocab[r] else {
            throw TokenizerError(file: file, message: "merge #\(rank) (\(l.debugDescription) + \(r.debugDescription)) names \(r.debugDescription), which is not in the vocabulary")
        }
        guard let m = vocab[l + r] else {
            throw TokenizerError(file: file, message: "merge #\(rank) makes \((l + r).debugDescription), which is not in the vocabulary")
        }
        merges.insert(left: a, right: b, rank: rank, merged: m)
    }

    static func makeEncoder(vocab: Vocabulary, merges: MergeTable, ignoreMerges: Bool, unknownID: Int32?) -> BytePairEncoder {
        var byteIDs = [Int32](repeating: -1, count: 256)
        for b in 0..<256 {
            if let id = vocab[String(Character(ByteLevelAlphabet.characters[b]))] { byteIDs[b] = id }
        }
        var whole: [[UInt8]: Int32]? = nil
        if ignoreMerges {
            var w: [[UInt8]: Int32] = [:]
            w.reserveCapacity(vocab.count)
            for (token, id) in vocab {
                if let bytes = ByteLevelAlphabet.bytes(ofSpelled: token.string) { w[bytes] = id }
            }
            whole = w
        }
        return BytePairEncoder(initial: .bytes(byteIDs), merges: merges, wholeWords: whole, unknownID: unknownID)
    }
}
