/// What is added around an encoded single sequence: HF's post-processor (`TemplateProcessing`,
/// `RobertaProcessing`, `BertProcessing`, `ByteLevel`, `Sequence`), reduced to the ids before and
/// after the text.
struct PostProcessor: Sendable, Equatable {
    var prefix: [Int] = []
    var suffix: [Int] = []

    static func from(json: JSONValue, file: String) throws(TokenizerError) -> PostProcessor {
        guard let type = json["type"]?.string else {
            throw TokenizerError(file: file, message: "post_processor has no \"type\"")
        }
        switch type {
        case "ByteLevel":
            return PostProcessor()  // only trims offsets
        case "Sequence":
            guard let items = json["processors"]?.array else {
                throw TokenizerError(file: file, message: "Sequence post_processor has no \"processors\" array")
            }
            var out = PostProcessor()
            for item in items {
                let p = try from(json: item, file: file)
                out.prefix = p.prefix + out.prefix
                out.suffix += p.suffix
            }
            return out
        case "RobertaProcessing", "BertProcessing":
            guard let cls = json["cls"]?.array, cls.count == 2, let clsID = cls[1].int,
                let sep = json["sep"]?.array, sep.count == 2, let sepID = sep[1].int
            else {
                throw TokenizerError(file: file, message: "\(type) post_processor needs \"cls\" and \"sep\" as [token, id]")
            }
            return PostProcessor(prefix: [clsID], suffix: [sepID])
        case "TemplateProcessing":
            guard let single = json["single"]?.array else {
                throw TokenizerError(file: file, message: "TemplateProcessing has no \"single\" template")
            }
            var out = PostProcessor()
            var seenSequence = false
            for piece in single {
                if piece["Sequence"] != nil {
                    guard !seenSequence else {
                        throw TokenizerError(file: file, message: "TemplateProcessing \"single\" names the sequence twice")
                    }
                    seenSequence = true
                } else if let name = piece["SpecialToken"]?["id"]?.string {
                    guard let ids = json["special_tokens"]?[name]?["ids"]?.array else {
                        throw TokenizerError(file: file, message: "TemplateProcessing uses special token \"\(name)\" that its \"special_tokens\" does not define")
                    }
                    var resolved: [Int] = []
                    for v in ids {
                        guard let id = v.int else {
                            throw TokenizerError(file: file, message: "TemplateProcessing special token \"\(name)\" has a non-integer id")
                        }
                        resolved.append(id)
                    }
                    if seenSequence { out.suffix += resolved } else { out.prefix += resolved }
                } else {
                    throw TokenizerError(file: file, message: "TemplateProcessing \"single\" has an entry that is neither Sequence nor SpecialToken")
                }
            }
            return out
        default:
            throw TokenizerError(file: file, message: "post_processor type \"\(type)\" is not supported")
        }
    }
}
