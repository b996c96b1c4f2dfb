import ArgumentParser

@main
struct Rat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rat", abstract: "Reverse Attention Tracer",
        subcommands: [TokenizeCommand.self])
}
