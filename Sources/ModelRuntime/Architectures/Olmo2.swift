/// OLMo 2: no norm before the sublayers; RMSNorm of each sublayer's output before the residual
/// add, and of the whole q and k projections.
enum Olmo2: ArchitectureFamily {
    static let huggingFaceNames = ["olmo2", "Olmo2ForCausalLM"]
    static let ggufNames = ["olmo2"]

    static func describe(_ v: ConfigValues) throws -> ArchitectureDescription {
        var d = try Llama.describe(v, family: "olmo2", defaultTied: false, defaultBase: 500_000, pairing: .halves)
        d.block.normPlacement = .postNorm
        d.block.qkNorm = .wholeProjection
        return d
    }

    static let huggingFaceNaming = HuggingFaceNames.sandwich
}
