import Foundation
import ModelRuntime
import Testing

/// A known family with an option rat does not implement, or a file that lacks what its config
/// promises, is one clear line naming it.
@Suite struct FamilyConfigErrorTests {
    static let families = fixturesDirectory.appendingPathComponent("runtime/families")

    /// Loads `name` with its config.json edited by `edit`; returns the error message.
    func loadError(_ name: String, _ edit: (inout [String: Any]) -> Void) throws -> String? {
        let source = Self.families.appendingPathComponent(name)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json"))) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("model.safetensors"),
                                                   withDestinationURL: source.appendingPathComponent("model.safetensors"))
        do { _ = try CausalLanguageModel(path: dir.path) } catch { return error.message }
        return nil
    }

    @Test func unimplementedRopeTypeIsNamed() throws {
        let message = try loadError("llama3_rope") { $0["rope_parameters"] = ["rope_type": "su", "rope_theta": 10000.0, "factor": 2.0] }
        #expect(message?.hasSuffix("rope scaling \"su\" is not supported (rat implements: default, linear, dynamic, llama3, yarn, longrope)") == true, "\(message ?? "")")
    }

    @Test func longropeFactorsMustFitTheRotatingDimensions() throws {
        let message = try loadError("phi3_longrope") { c in
            var rope = c["rope_parameters"] as! [String: Any]
            rope["short_factor"] = [1.0, 2.0]
            c["rope_parameters"] = rope
        }
        #expect(message?.contains("longrope factors have 2 and 6 entries; 12 rotating dimensions need 6") == true, "\(message ?? "")")
    }

    @Test func missingExpertIsNamed() throws {
        let message = try loadError("qwen3_moe") { $0["num_experts"] = 5; $0["num_local_experts"] = 5 }
        #expect(message?.contains("tensor \"model.layers.0.mlp.gate.weight\" (router) has shape [4, 64], expected [5, 64]") == true, "\(message ?? "")")
        let topK = try loadError("mixtral") { $0["num_experts_per_tok"] = 9 }
        #expect(topK?.contains("invalid experts: 9 of 4") == true, "\(topK ?? "")")
    }

    @Test func unknownLayerTypeAndBadWindowAreNamed() throws {
        let types = try loadError("gemma2") { c in
            var t = c["layer_types"] as! [String]
            t[1] = "chunked_attention"
            c["layer_types"] = t
        }
        #expect(types?.contains("layer type \"chunked_attention\" is not supported") == true, "\(types ?? "")")
        let window = try loadError("mistral_window") { $0["sliding_window"] = -3 }
        #expect(window?.contains("layer 0 has sliding window -3; it must be at least 1") == true, "\(window ?? "")")
        let rope = try loadError("gpt2") { $0["activation_function"] = "relu" }
        #expect(rope?.contains("activation_function \"relu\" is not supported") == true, "\(rope ?? "")")
    }
}
