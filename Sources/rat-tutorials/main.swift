import Foundation

/// rat-tutorials: the code of the documentation's tutorials, built with the package (so it cannot
/// stop compiling unnoticed) and run by Tests/TutorialTests (so what each tutorial says the
/// reader will see is checked). scripts/docs.sh shows each step of a tutorial from this code.
///
///     rat-tutorials TUTORIAL MODEL OUTPUT-FOLDER
let tutorials: [String: (String, String) throws -> Void] = [
    "trace-a-sentence": traceASentence,
    "compare-layers": compareLayers,
    "trace-what-the-model-wrote": traceWhatTheModelWrote,
]
let arguments = CommandLine.arguments
guard arguments.count == 4, let tutorial = tutorials[arguments[1]] else {
    FileHandle.standardError.write(Data("usage: rat-tutorials \(tutorials.keys.sorted().joined(separator: "|")) MODEL OUTPUT-FOLDER\n".utf8))
    exit(2)
}
do {
    try tutorial(arguments[2], arguments[3])
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
