/// An added token (tokenizer.json `added_tokens`, or a GGUF control / user-defined token): matched
/// whole in the text before BPE.
struct AddedToken: Sendable {
    let id: Int
    let content: String
    let singleWord: Bool
    let lstrip: Bool
    let rstrip: Bool
    /// Matched in the normalized text (true) or the raw text (false).
    let normalized: Bool
    let special: Bool
}

/// A piece of text after added tokens are split out.
enum AddedTokenSegment {
    case token(Int)
    case text(ArraySlice<UInt8>)
}

/// Finds added tokens the way HF's `AddedVocabulary::find_matches` does: Aho-Corasick with
/// leftmost-longest semantics, `single_word` rejecting matches next to word characters, and
/// `lstrip` / `rstrip` absorbing the whitespace beside a match.
struct AddedTokenMatcher: Sendable {
    private let tokens: [(bytes: [UInt8], token: AddedToken)]
    /// The tokens' bytes as a trie, each ending node holding the index into `tokens`.
    private let trie: ByteTrie

    /// `normalizer`, when given, is applied to each token's content first: HF matches a
    /// `normalized` added token by its normalized form in the normalized text.
    init(_ tokens: [AddedToken], normalizer: Normalizer? = nil) {
        let list = tokens.map { (bytes: normalizer?.normalize(Array($0.content.utf8)) ?? Array($0.content.utf8), token: $0) }
            .filter { !$0.bytes.isEmpty }
        var trie = ByteTrie()
        // The first of equal contents wins, as the longest-first, then file-order scan did.
        for (k, t) in list.enumerated() { trie.insert(t.bytes, value: Int32(k), keepingFirst: true) }
        self.tokens = list
        self.trie = trie
    }

    /// The longest token matching at `i`, as an index into `tokens`.
    private func longestMatch(_ text: ArraySlice<UInt8>, at i: Int) -> Int? {
        var node: Int32 = 0
        var best: Int32 = -1
        var j = i
        while j < text.endIndex, let next = trie.child(of: node, text[j]) {
            node = next
            if trie.values[Int(node)] >= 0 { best = trie.values[Int(node)] }
            j += 1
        }
        return best >= 0 ? Int(best) : nil
    }

    var isEmpty: Bool { tokens.isEmpty }

    func split(_ text: ArraySlice<UInt8>) -> [AddedTokenSegment] {
        if tokens.isEmpty || text.isEmpty { return text.isEmpty ? [] : [.text(text)] }
        var segments: [AddedTokenSegment] = []
        var startOffset = text.startIndex
        var i = text.startIndex
        let end = text.endIndex
        while i < end {
            guard let k = longestMatch(text, at: i) else { i += 1; continue }
            let token = tokens[k].token
            var start = i
            var stop = i + tokens[k].bytes.count
            if token.singleWord {
                let startSpace = start == text.startIndex || !Self.endsWithWord(text[text.startIndex..<start])
                let stopSpace = stop == end || !Self.startsWithWord(text[stop..<end])
                if !startSpace || !stopSpace { i = stop; continue }  // HF's iterator resumes after the rejected match
            }
            if token.lstrip {
                start = max(Self.trimmedEnd(text[text.startIndex..<start]), startOffset)
            }
            if token.rstrip {
                stop = Self.trimmedStart(text[stop..<end])
            }
            if startOffset < start { segments.append(.text(text[startOffset..<start])) }
            segments.append(.token(token.id))
            startOffset = stop
            i = stop
        }
        if startOffset < end { segments.append(.text(text[startOffset..<end])) }
        return segments
    }

    private static func scalars(_ bytes: ArraySlice<UInt8>) -> String.UnicodeScalarView {
        String(decoding: bytes, as: UTF8.self).unicodeScalars
    }

    private static func isWordCharacter(_ s: Unicode.Scalar) -> Bool {
        // Rust's char::is_alphanumeric (Alphabetic or Numeric) plus '_'.
        s == "_" || s.properties.isAlphabetic || ScalarClass(s) == .number
    }

    private static func endsWithWord(_ bytes: ArraySlice<UInt8>) -> Bool {
        scalars(bytes).last.map(isWordCharacter) ?? false
    }

    private static func startsWithWord(_ bytes: ArraySlice<UInt8>) -> Bool {
        scalars(bytes).first.map(isWordCharacter) ?? false
    }

    /// The byte index just after the last non-whitespace scalar (the start when all is whitespace).
    private static func trimmedEnd(_ bytes: ArraySlice<UInt8>) -> Int {
        var end = bytes.endIndex
        let s = String(decoding: bytes, as: UTF8.self)
        for scalar in s.unicodeScalars.reversed() {
            guard scalar.properties.isWhitespace else { break }
            end -= String(scalar).utf8.count
        }
        return end
    }

    /// The byte index of the first non-whitespace scalar (the end when all is whitespace).
    private static func trimmedStart(_ bytes: ArraySlice<UInt8>) -> Int {
        var start = bytes.startIndex
        let s = String(decoding: bytes, as: UTF8.self)
        for scalar in s.unicodeScalars {
            guard scalar.properties.isWhitespace else { break }
            start += String(scalar).utf8.count
        }
        return start
    }
}
