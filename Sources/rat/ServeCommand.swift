import ArgumentParser
import Foundation
import RatServer
import ReverseAttention

/// `rat serve`: the model loaded once, the explorer page and a JSON API on a local port.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the explorer page and a JSON API over one loaded model (Ctrl-C stops it).",
        discussion: """
            Listens on 127.0.0.1 unless --host says otherwise. Endpoints: GET / (the page: type a \
            text, press Trace or Generate), POST /api/trace (what rat trace --json prints), POST \
            /api/tokenize, POST /api/generate (server-sent events), GET /api/model, GET /healthz. \
            Requests take the names of trace.json and the CLI: {"text" | "ids" | "messages", \
            "target_pos", "layer", "top_beam", "top_k", "min_attn", "agg_heads", "length_norm", \
            "stop_at_bos", "search", "explore"}.

            Examples:
              rat serve                                  # SmolLM2, http://127.0.0.1:8080
              rat serve --model Qwen/Qwen2-0.5B --port 9000
              curl -s localhost:8080/api/trace -d '{"text": "The quick brown fox", "layer": 12}'
              curl -sN localhost:8080/api/generate -d '{"text": "Once upon a time", "max_new_tokens": 16}'
            """
    )

    @Option(help: "A GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache (default: SmolLM2-135M-Instruct).")
    var model: String?

    @Option(help: "The address to listen on (127.0.0.1: this machine only).")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(name: .customLong("max-body"), help: "The largest request body in bytes (413 above).")
    var maxBody: Int = 1 << 20

    @Option(name: .customLong("max-tokens"), help: "The most tokens one request may trace or generate (400 above).")
    var maxTokens: Int = 4096

    @Option(name: .customLong("max-queue"), help: "Requests that may wait for the model at once (503 above).")
    var maxQueue: Int = 32

    @OptionGroup var runtime: RuntimeOptionGroup

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535, got \(port)") }
        guard maxBody >= 1 else { throw ValidationError("--max-body must be >= 1, got \(maxBody)") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be >= 1, got \(maxTokens)") }
        guard maxQueue >= 1 else { throw ValidationError("--max-queue must be >= 1, got \(maxQueue)") }
    }

    func run() async throws {
        runtime.apply()
        let configuration = ServerConfiguration(host: host, port: port, maxBody: maxBody, maxTokens: maxTokens, maxQueue: maxQueue)
        if !configuration.isLoopback {
            printError("warning: listening on \(host): anyone who can reach this address can run the model and read what it is given (rat serve has no authentication)")
        }
        let modelName = try model ?? DefaultModel.path()
        let started = Date()
        let tracer = try ReverseAttentionTracer(loading: modelName, residency: runtime.weights)
        let server = try TraceServer(tracer: tracer, configuration: configuration)
        let load = Date().timeIntervalSince(started)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        try await server.run { port in
            printError(String(format: "rat serve: %@ loaded in %.2f s", modelName, load))
            printError("rat serve: listening on http://\(shownHost):\(port) (Ctrl-C to stop)")
        }
        printError("rat serve: stopped")
    }
}
