import ArgumentParser

@main
struct Rat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rat",
        abstract: "Reverse Attention Tracer: which earlier tokens did attention flow from?",
        discussion: """
            rat follows attention backward from a target token, along the paths whose products of \
            attention weights are largest, and writes them as text, trace.json and a page.
            """,
        subcommands: [TraceCommand.self, GenerateCommand.self, BatchCommand.self, ServeCommand.self, PathsCommand.self, AttentionCommand.self, InspectCommand.self, TokenizeCommand.self]
    )
}
