/// The decoder from tokenizer.json's `decoder`.
enum TokenDecoder: Sendable {
    case byteLevel
    /// No decoder: HF joins the token strings with spaces.
    case none
}
