import Foundation

/// The fields of a HuggingFace `config.json` that rat needs (Llama and Qwen2 families).
struct HuggingFaceConfig: Decodable {
    var modelType: String?
    var architectures: [String]?
    var hiddenSize: Int
    var intermediateSize: Int
    var numHiddenLayers: Int
    var numAttentionHeads: Int
    var numKeyValueHeads: Int?
    var headDim: Int?
    var vocabSize: Int
    var rmsNormEps: Double?
    var ropeTheta: Double?
    var ropeParameters: RopeParameters?
    var ropeScaling: RopeParameters?
    var tieWordEmbeddings: Bool?
    var attentionBias: Bool?

    struct RopeParameters: Decodable {
        var ropeTheta: Double?
        var ropeType: String?
        var type: String?
        enum CodingKeys: String, CodingKey {
            case ropeTheta = "rope_theta", ropeType = "rope_type", type
        }
    }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", architectures
        case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", numKeyValueHeads = "num_key_value_heads", headDim = "head_dim"
        case vocabSize = "vocab_size", rmsNormEps = "rms_norm_eps", ropeTheta = "rope_theta"
        case ropeParameters = "rope_parameters", ropeScaling = "rope_scaling"
        case tieWordEmbeddings = "tie_word_embeddings", attentionBias = "attention_bias"
    }

    static func load(_ url: URL) throws(ModelError) -> HuggingFaceConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError("\(url.path): cannot read config.json") }
        do {
            return try JSONDecoder().decode(HuggingFaceConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw ModelError("\(url.path): missing \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ModelError("\(url.path): \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch {
            throw ModelError("\(url.path): not a valid config.json")
        }
    }

    /// The family, from `model_type` or the class name in `architectures`.
    var family: String {
        if let modelType { return modelType }
        return (architectures?.first ?? "(none)").replacingOccurrences(of: "ForCausalLM", with: "").lowercased()
    }

    func modelConfig(file: String, defaultTied: Bool, defaultBias: Bool) throws(ModelError) -> ModelConfig {
        // transformers 5 writes rope_parameters; older files a top-level rope_theta.
        let rope = ropeParameters ?? ropeScaling
        if let kind = rope?.ropeType ?? rope?.type, kind != "default" {
            throw ModelError("\(file): rope scaling \"\(kind)\" is not supported yet (rat implements plain rotary embeddings)")
        }
        let theta = ropeParameters?.ropeTheta ?? ropeTheta ?? 10_000
        return ModelConfig(
            architecture: family, layerCount: numHiddenLayers, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
            headCount: numAttentionHeads, kvHeadCount: numKeyValueHeads ?? numAttentionHeads,
            headDim: headDim ?? (numAttentionHeads > 0 ? hiddenSize / numAttentionHeads : 0), vocabularySize: vocabSize,
            rmsNormEpsilon: Float(rmsNormEps ?? 1e-6), ropeTheta: Float(theta),
            tiedEmbeddings: tieWordEmbeddings ?? defaultTied, attentionBias: attentionBias ?? defaultBias)
    }
}
