/// A token's exact UTF-8 bytes, as a dictionary key.
///
/// Swift's `String` compares by canonical equivalence, so `"é"` (U+00E9) and `"e\u{301}"` are
/// one key; HF's vocabularies are maps of byte strings, and SentencePiece vocabularies hold both
/// spellings as different tokens. Vocabularies are keyed by `Spelling` for that reason.
struct Spelling: Hashable, Sendable {
    let bytes: [UInt8]
    init(_ s: String) { bytes = Array(s.utf8) }
    var string: String { String(decoding: bytes, as: UTF8.self) }
}

/// A vocabulary: token spelling -> id.
typealias Vocabulary = [Spelling: Int32]

extension Dictionary where Key == Spelling {
    subscript(_ token: String) -> Value? {
        get { self[Spelling(token)] }
        set { self[Spelling(token)] = newValue }
    }
}

extension String {
    /// Byte-for-byte equality (no canonical equivalence).
    func sameBytes(as other: String) -> Bool { utf8.elementsEqual(other.utf8) }
}
