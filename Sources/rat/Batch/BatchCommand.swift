import ArgumentParser
import Foundation
import ReverseAttention

/// `rat batch`: a JSONL file of texts traced with one loaded model, one record per line,
/// resumable, and shardable across the tasks of a Slurm job array.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Trace every line of a JSONL file with one loaded model; resumable, sharded across a cluster.",
        discussion: """
            A line is {"id", "text" | "ids" | "messages", …options}: the options are trace.json's \
            names (layer, agg_heads, top_k, top_beam, min_attn, length_norm, search, target_pos, \
            stop_at_bos, bos_token_id, sink, sink_positions, weighting, across_layers, verify, \
            verify_baseline, verify_seed) and override this command's flags for that line. An id is \
            a string or an integer, unique in the file.

            Each line gives one output line, in input order: {"id", "trace": trace.json as `rat \
            trace --json` prints it} or {"id", "error"}; a line that is not a JSON object with an id \
            gives {"line": N, "error"}. Each record is written whole as soon as it is done. Run the \
            same command again to resume: lines already in the output are skipped, and a partial \
            last line left by a kill is discarded.

            Examples:
              rat batch prompts.jsonl --output traces.jsonl
              rat batch prompts.jsonl --output traces.jsonl --layer 12 --search exact   # defaults for every line
              rat batch prompts.jsonl --output gen.jsonl --generate --max-new-tokens 20  # {"id", "generation"}
              rat batch prompts.jsonl --output traces.jsonl --overwrite                 # start over, not resume
              rat batch prompts.jsonl --shard 1/4 --output traces.1.jsonl               # every 4th line from the 2nd
              rat batch prompts.jsonl --shard auto --output traces.$SLURM_ARRAY_TASK_ID.jsonl   # in sbatch --array
              rat batch --merge prompts.jsonl traces.*.jsonl --output traces.jsonl      # shards back in input order
            """
    )

    @Argument(help: ArgumentHelp("The input JSONL file; with --merge, the input and then the shards' outputs.", valueName: "file"))
    var files: [String]

    @Option(help: "The output JSONL file (appended to when resuming).")
    var output: String

    @Option(help: "A GGUF file, a HuggingFace folder, or a repo id in the local HuggingFace cache (default: SmolLM2-135M-Instruct).")
    var model: String?

    @Flag(help: "Generate from each line's prompt and trace every written token, as `rat generate --json` (lines may also give max_new_tokens, temperature, sample_top_k, top_p, min_p, repetition_penalty, seed, stop, ignore_eos, trace_from).")
    var generate = false

    @Option(name: .customLong("max-new-tokens"), parsing: .unconditional, help: "With --generate: the most tokens to write per line.")
    var maxNewTokens: Int = 64

    @Option(help: ArgumentHelp("Take every line whose index mod n is i (i/n), or this Slurm array task's share (auto).", valueName: "i/n|auto"))
    var shard: String?

    @Flag(help: "Start over: empty the output first instead of resuming.")
    var overwrite = false

    @Flag(help: "Merge shards' outputs into the input's order; report missing and duplicate ids.")
    var merge = false

    @OptionGroup(title: "Every line's defaults") var options: TraceOptionGroup

    @OptionGroup var runtime: RuntimeOptionGroup

    func validate() throws {
        if merge {
            guard files.count >= 2 else { throw ValidationError("--merge takes the input JSONL file and then one or more shard outputs") }
            guard shard == nil, !overwrite, !generate else { throw ValidationError("--merge only reads the files it is given: --shard, --overwrite and --generate do not apply") }
        } else {
            guard files.count == 1 else { throw ValidationError("give one input JSONL file (several files are for --merge)") }
        }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be >= 1, got \(maxNewTokens)") }
        let outputPath = URL(fileURLWithPath: output).standardizedFileURL.path
        if let clash = files.first(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == outputPath }) {
            throw ValidationError("--output '\(output)' is also an input file ('\(clash)'): write to another file")
        }
    }

    func run() throws {
        runtime.apply()
        if merge {
            try BatchMerge(input: files[0], shards: Array(files.dropFirst()), output: output).run()
            return
        }
        let shard = try shard.map { try BatchShard(parsing: $0, environment: ProcessInfo.processInfo.environment) } ?? .whole
        var generation = GenerateRequest(input: .ids([]))
        generation.maxNewTokens = maxNewTokens
        generation.paths = options.paths
        generation.sink = try options.search.paths.sinkOptions()
        let job = BatchJob(
            input: files[0], output: output, shard: shard, overwrite: overwrite,
            work: generate ? .generate(generation) : .trace(try options.request(.ids([]))))
        try job.run(modelName: { try model ?? DefaultModel.path() }, residency: runtime.weights)
    }
}
