import ArgumentParser
import ReverseAttention

extension WeightResidency: ExpressibleByArgument {}

/// How the model runs on this machine: threads and where dequantized weights live.
struct RuntimeOptionGroup: ParsableArguments {
    @Option(help: "Threads for the model (default: every core).")
    var threads: Int?

    @Option(help: """
        Where float32 copies of quantized weights live: cached (dequantized once, kept; fastest \
        for repeated runs), streamed (one layer at a time, every pass; least memory), or \
        automatic (cached when they take at most a quarter of the machine's memory).
        """)
    var weights: WeightResidency = .automatic

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
    }

    /// Applies --threads (process-wide).
    func apply() {
        if let threads { setComputeThreads(threads) }
    }
}
