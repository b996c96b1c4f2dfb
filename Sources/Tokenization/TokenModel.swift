/// The model that turns a pre-tokenized piece into ids.
enum TokenModel: Sendable {
    case bpe(BytePairEncoder)
    case unigram(UnigramModel)

    func encode(_ piece: ArraySlice<UInt8>, into out: inout [Int32]) {
        switch self {
        case .bpe(let m): m.encode(piece, into: &out)
        case .unigram(let m): m.encode(piece, into: &out)
        }
    }
}
