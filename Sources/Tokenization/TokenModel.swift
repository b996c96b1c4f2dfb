/// The model that turns a pre-tokenized piece into ids (`Tokenizer.encodeText` takes the payload
/// out once per text and encodes each piece with it).
enum TokenModel: Sendable {
    case bpe(BytePairEncoder)
    case unigram(UnigramModel)
}
