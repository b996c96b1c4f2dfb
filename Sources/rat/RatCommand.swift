import ArgumentParser

@main
struct Rat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rat",
        abstract: "Reverse Attention Tracer: which earlier tokens did attention flow from?",
        discussion: """
            rat follows attention backward from a target token, along the paths whose products of \
            attention weights are largest, and writes them as text, trace.json and a page. \
            Without --model, commands use SmolLM2-135M-Instruct (fetched by scripts/fetch-assets.sh).

            Examples:
              rat trace --text "The quick brown fox jumps over the lazy dog."
              rat generate --prompt "The capital of France is" --show-paths
              rat trace --model gemma-3-270m.gguf --text-file essay.txt --layer 6
              rat serve --port 8080                          # explorer + JSON API
              rat batch prompts.jsonl --output traces.jsonl  # a dataset
              rat paths attention.npy --tokens tokens.json   # your own attention
              rat inspect ~/models/Qwen2.5-0.5B-Instruct     # a HuggingFace folder
            """,
        subcommands: [TraceCommand.self, GenerateCommand.self, BatchCommand.self, ServeCommand.self, PathsCommand.self, AttentionCommand.self, InspectCommand.self, TokenizeCommand.self]
    )
}
