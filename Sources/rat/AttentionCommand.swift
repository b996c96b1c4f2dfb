import ArgumentParser
import Foundation
import ReverseAttention

/// `rat attention`: one layer's (or every layer's) attention probabilities as a .npy file.
struct AttentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attention",
        abstract: "Run a model and save a layer's attention probabilities as .npy (float32), written as they are computed.",
        discussion: """
            Shapes: --agg-heads mean|max gives [seq][seq]; none gives [heads][seq][seq]; \
            --layer all adds a leading [layers] axis. --rollout writes attention rollout instead \
            (Abnar & Zuidema 2020): R_L = Â_L ⋯ Â_0 with Â_l = 0.5·I + 0.5·mean over heads of A_l, \
            how much each position's input flows into each position after layer L.

            Examples:
              rat attention --model SmolLM2-135M-Instruct.Q4_1.gguf --text "The quick brown fox" --output attn.npy
              rat attention --model Qwen/Qwen2-0.5B --ids 785,3974,13876 --layer -1 --output attn.npy
              rat attention --model model.gguf --ids 1,2,3 --layer all --agg-heads none --output all.npy
              rat attention --model model.gguf --text "The quick brown fox" --rollout --layer 12 --output rollout.npy
              rat attention --model model.gguf --text "The quick brown fox" --weighting value-norm --layer 12 --output vn.npy
            """
    )

    @Option(help: "The model: a GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache.")
    var model: String

    @Option(help: "The text to run (tokenized with the model's own tokenizer).")
    var text: String?

    @Option(help: "Comma-separated token ids instead of --text (skips the tokenizer), e.g. 1,504,3458.")
    var ids: String?

    @Option(parsing: .unconditional, help: "Layer index (negative counts from the end) or 'all'.")
    var layer: String = "-1"

    @Option(name: .customLong("agg-heads"), help: "mean, max, or none (keep every head).")
    var aggHeads: HeadAggregation = .mean

    @Option(help: "Where to write the .npy file.")
    var output: String

    @Flag(help: "Write attention rollout through the layer (mean over heads, half identity for the residual stream).")
    var rollout = false

    @Option(help: "attention, or value-norm: ‖Σ_h A_h[i][j]·v_j W_O^(h)‖₂ with rows normalized (Kobayashi et al. 2020), [seq][seq].")
    var weighting: AttentionWeighting = .attention

    @OptionGroup var runtime: RuntimeOptionGroup

    func validate() throws {
        guard (text == nil) != (ids == nil) else { throw ValidationError("give the input as --text or as --ids (one of them)") }
        if text?.isEmpty == true { throw ValidationError("--text is empty") }
        if rollout && aggHeads != .mean {
            throw ValidationError("--rollout averages the heads (Â = 0.5·I + 0.5·mean over heads); --agg-heads \(aggHeads.rawValue) does not apply")
        }
    }

    func run() throws {
        runtime.apply()
        let lm = try CausalLanguageModel(path: model, residency: runtime.weights)
        let tokenIDs: [Int]
        if let text {
            tokenIDs = try loadTokenizer(for: lm).encode(text)
        } else {
            tokenIDs = try parseTokenIDs(ids!)
        }
        guard !tokenIDs.isEmpty else { throw ValidationError("no tokens to run") }
        let array: NumpyArray
        if weighting == .valueNorm {
            guard !rollout, layer != "all" else { throw ValidationError("--weighting value-norm takes one --layer, without --rollout") }
            let a = try lm.valueWeightedAttention(ids: tokenIDs, layer: try layerIndex())
            array = NumpyArray(shape: [a.size, a.size], values: a.values)
        } else if rollout {
            let layers = layer == "all" ? Array(0..<lm.config.layerCount) : [try layerIndex()]
            let r = try lm.attentionRollout(ids: tokenIDs, layers: layers)
            let n = tokenIDs.count
            array = NumpyArray(shape: layer == "all" ? [r.count, n, n] : [n, n], values: r.flatMap(\.values))
        } else {
            // Attention goes to the file as the pass computes it, a block of rows at a time.
            let layers = layer == "all" ? Array(0..<lm.config.layerCount) : [try lm.resolveLayer(try layerIndex())]
            let n = tokenIDs.count
            let shape = (layer == "all" ? [layers.count] : []) + (aggHeads == .none ? [lm.config.headCount] : []) + [n, n]
            let writer = try NumpyFileWriter(path: output, shape: shape, layers: layers)
            do {
                try lm.streamAttention(ids: tokenIDs, layers: layers, aggregation: aggHeads, to: writer)
                try writer.finish()
            } catch {
                // No half-written array is left behind.
                try? FileManager.default.removeItem(atPath: output)
                throw error
            }
            printError("wrote \(output): shape \(shape)")
            return
        }
        do {
            try array.npyData().write(to: URL(fileURLWithPath: output))
        } catch {
            throw TraceError("cannot write '\(output)': \(error.localizedDescription)")
        }
        printError("wrote \(output): shape \(array.shape)")
    }

    private func layerIndex() throws -> Int {
        guard let index = Int(layer) else { throw ValidationError("--layer takes an integer or 'all', got '\(layer)'") }
        return index
    }
}
