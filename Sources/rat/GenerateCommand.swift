import ArgumentParser
import Foundation
import ReverseAttention

/// `rat generate`: the model writes after a prompt (greedy, on the KV cache), the text streams to
/// stdout, and every written token is traced back from the position that predicted it.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the model and trace the attention paths behind every token it wrote.",
        discussion: """
            Decoding is greedy unless --temperature is above 0 (then --sample-top-k, --top-p, \
            --min-p and --repetition-penalty apply in transformers' order, with --seed). The traced layer's attention comes from the generation's own passes \
            (no second pass); each generated token is traced from its predecessor, whose output \
            distribution produced it (--trace-from token: from the token itself). Generation stops at \
            the end-of-sequence and end-of-turn tokens, at a --stop string, or on Ctrl-C, keeping \
            what was written.

            Examples:
              rat generate --prompt "The quick brown fox" --max-new-tokens 16 --show-paths
              rat generate --prompt "Once upon a time" --temperature 0.8 --top-p 0.9 --seed 7
              rat generate --model Qwen/Qwen2-0.5B --ids 785,3974,13876 --layer 12 --json > generation.json
              rat generate --messages chat.json --stop "Question:" --output out/gen   # out/gen/explore: every token, every layer
              rat generate --prompt "The capital of France is" --trace-from token --max-new-tokens 4 --show-paths
            """
    )

    @Option(help: "A GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache (default: SmolLM2-135M-Instruct).")
    var model: String?

    @Option(help: "The prompt, tokenized by the model's tokenizer.")
    var prompt: String?

    @Option(name: .customLong("prompt-file"), help: "Read the prompt from a file instead.")
    var promptFile: String?

    @Option(help: "The prompt as comma-separated token ids.")
    var ids: String?

    @OptionGroup(title: "Conversations (instead of --prompt: the model answers the last message)")
    var chat: ChatOptionGroup

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "The most tokens to write.")
    var maxNewTokens: Int = 64

    @Option(help: "Directory for the page: the text with each written token linking to its paths (index.html), and generation.json.")
    var output: String?

    @OptionGroup(title: "The explorer page (with --output: explore/index.html)") var explore: ExploreOptionGroup

    @Option(name: .customLong("trace-from"), help: "Trace each written token from its predecessor (whose prediction it is) or from the token itself.")
    var traceFrom: TraceOrigin = .predecessor

    @Option(name: .customLong("stop"), help: ArgumentHelp(
        "Stop once the written text contains this string (repeatable); the text keeps it, as transformers' stop_strings.",
        valueName: "string"))
    var stopStrings: [String] = []

    @Flag(name: .customLong("ignore-eos"), help: "Do not stop at the end-of-sequence or end-of-turn tokens.")
    var ignoreEOS = false

    @Option(parsing: .unconditional, help: "Sampling temperature; 0 = greedy (the highest logit).")
    var temperature: Double = 0

    @Option(name: .customLong("sample-top-k"), parsing: .unconditional, help: "Sample among the k most likely tokens (0 = all).")
    var sampleTopK: Int = 0

    @Option(name: .customLong("top-p"), parsing: .unconditional, help: "Sample among the most likely tokens holding this much probability (1 = all).")
    var topP: Double = 1

    @Option(name: .customLong("min-p"), parsing: .unconditional, help: "Drop tokens below this fraction of the top token's probability (0 = none).")
    var minP: Double = 0

    @Option(name: .customLong("repetition-penalty"), parsing: .unconditional, help: "Penalize tokens already in the sequence (1 = none).")
    var repetitionPenalty: Double = 1

    @Option(parsing: .unconditional, help: "Seed of the sampler: the same seed gives the same tokens, on any thread count.")
    var seed: UInt64 = 0

    var sampling: SamplingOptions {
        SamplingOptions(temperature: temperature, topK: sampleTopK, topP: topP, minP: minP,
                        repetitionPenalty: repetitionPenalty, seed: seed)
    }

    @OptionGroup var traced: TracedLayerOptionGroup

    @OptionGroup var paths: PathOptionGroup

    @Flag(name: .customLong("show-paths"), help: "After the text, print each generated token's paths.")
    var showPaths = false

    @Flag(help: "Print {prompt_ids, generated_ids, text, finish_reason, traces, timings} as JSON instead of streaming the text.")
    var json = false

    @OptionGroup var runtime: RuntimeOptionGroup

    func validate() throws {
        guard [prompt, promptFile, ids, chat.messages].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give the prompt as --prompt, --prompt-file, --ids or --messages (one of them)")
        }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be >= 1, got \(maxNewTokens)") }
        guard traced.aggHeads != .none else { throw ValidationError("--agg-heads none cannot be traced: use mean or max") }
        do { try sampling.validate() } catch { throw ValidationError(error.message) }
    }

    func run() throws {
        runtime.apply()
        let modelName = try model ?? DefaultModel.path()
        let started = Date()
        let tracer = try ReverseAttentionTracer(loading: modelName, residency: runtime.weights)
        let load = Date().timeIntervalSince(started)
        let promptIDs: [Int]
        if let rendered = try chat.render(with: tracer.tokenizer) {
            promptIDs = rendered.ids
        } else if let ids {
            promptIDs = try parseTokenIDs(ids)
        } else {
            var text = prompt ?? ""
            if let promptFile {
                do { text = try String(contentsOfFile: promptFile, encoding: .utf8) } catch {
                    throw TraceError("--prompt-file: cannot read '\(promptFile)': \(error.localizedDescription)")
                }
            }
            promptIDs = tracer.tokenizer.encode(text)
        }
        guard !promptIDs.isEmpty else { throw TraceError("the prompt is empty: nothing to generate from") }
        if stopStrings.contains("") { throw TraceError("--stop needs a non-empty string") }
        if let output {
            do { try FileManager.default.createDirectory(at: URL(fileURLWithPath: output), withIntermediateDirectories: true) } catch {
                throw TraceError("cannot create output directory '\(output)': \(error.localizedDescription)")
            }
        }
        var request = GenerateRequest(input: .ids(promptIDs))
        request.maxNewTokens = maxNewTokens
        request.sampling = sampling
        request.stops = stopStrings
        request.ignoreEOS = ignoreEOS
        request.traceFrom = traceFrom
        request.paths = paths.fields(traced)
        request.sink = try paths.sinkOptions()
        if output != nil {
            request.explore = explore.explore
            request.exploreCap = explore.exploreCap
        }
        var shown = ""
        let out = FileHandle.standardOutput
        // Ctrl-C ends the generation after the current token; what was written is kept and traced.
        // A second Ctrl-C quits at once.
        let interrupt = Interrupt()
        let result = try tracer.generate(request, promptIDs: promptIDs) { _, text in
            // Everything so far is decoded and what is new printed, so multi-byte characters
            // split over tokens appear whole.
            if !json, text.hasPrefix(shown) {
                out.write(Data(text.dropFirst(shown.count).utf8))
                shown = text
            }
            return !interrupt.happened
        }
        interrupt.restore()
        if let output {
            let tokens = (result.promptIDs + result.generatedIDs).map(tracer.tokenizer.tokenString)
            let page = try GenerationPage.write(result, tokens: tokens, to: URL(fileURLWithPath: output))
            printError("page: \(page.path)")
        }
        if json {
            // Timings with the load added (the library does not know it).
            var withLoad = result
            withLoad.timings["load_s"] = load
            out.write(try withLoad.jsonData())
            out.write(Data("\n".utf8))
        } else {
            out.write(Data("\n".utf8))
            if showPaths {
                for (i, trace) in result.traces.enumerated() {
                    print("token \(i + 1) \(tracer.tokenizer.tokenString(result.generatedIDs[i]).debugDescription), from position \(trace.targetPos):")
                    for line in trace.pathsText { print("  \(line)") }
                }
            }
        }
        printError(String(format: "generated %d tokens (%@) in %.2f s: load %.2f s, prefill %.2f s, decode %.2f s (%.1f tokens/s), tracing %.3f s",
                          result.generatedIDs.count, result.finishReason.rawValue, Date().timeIntervalSince(started), load,
                          result.timings["prefill_s"] ?? 0, result.timings["decode_s"] ?? 0, result.timings["tokens_per_s"] ?? 0,
                          result.timings["search_s"] ?? 0))
    }
}

/// SIGINT turned into a flag that the generation loop reads between tokens; the default
/// behaviour comes back on a second Ctrl-C and when the generation ends.
final class Interrupt: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            let second = self.flag
            self.flag = true
            self.lock.unlock()
            if second { exit(130) }
            printError("\ninterrupted: stopping after this token (Ctrl-C again to quit now)")
        }
        source.resume()
    }

    var happened: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

extension TraceOrigin: ExpressibleByArgument {}
