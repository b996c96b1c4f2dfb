/// Every family rat runs: a HuggingFace `model_type` / class name or a GGUF `general.architecture`
/// to its file (mlx-swift-lm's `LLMTypeRegistry`). One line per family.
enum ArchitectureRegistry {
    static let families: [any ArchitectureFamily.Type] = [
        Llama.self, Mistral.self, Mixtral.self, Qwen2.self, Qwen3.self, Qwen3MoE.self, Gemma2.self, Gemma3.self, Gemma3Multimodal.self,
        Phi3.self, GPT2.self, Olmo2.self, SmolLM3.self,
    ]

    static func huggingFace(_ name: String) -> (any ArchitectureFamily.Type)? {
        families.first { $0.huggingFaceNames.contains(name) }
    }

    static func gguf(_ name: String) -> (any ArchitectureFamily.Type)? {
        families.first { $0.ggufNames.contains(name) }
    }

    static var huggingFaceList: String { families.map { $0.huggingFaceNames[0] }.joined(separator: ", ") }
    static var ggufList: String { families.flatMap { $0.ggufNames }.joined(separator: ", ") }
}
