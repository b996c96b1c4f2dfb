import Foundation
import ReverseAttention

/// Writes a trace where the user asked: paths on stdout (or trace.json with `--json`), and
/// trace.json into `--output DIR`. Warnings and reports go to stderr, so stdout stays clean.
struct TraceOutput {
    var json: Bool
    var outputDirectory: String?

    func emit(_ trace: TraceResult, warnings: [String]) throws {
        // Files first: if the output folder is unusable, fail before printing anything.
        let written = try outputDirectory.map { try writeTraceJSON(trace, into: $0) }
        for warning in warnings { printError("warning: \(warning)") }
        if json {
            FileHandle.standardOutput.write(try trace.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            for (i, line) in trace.pathsText.enumerated() { print("Beam \(i + 1): \(line)") }
        }
        if let c = trace.searchComparison {
            if c.beamFoundOptimum {
                printError("exact search: beam search found the optimum (score \(formatScore(c.exactBestScore))); it returned \(c.beamPathsInExactTop) of the \(c.exactPathCount) best paths")
            } else {
                printError("exact search: beam search missed the optimum by \(formatScore(c.scoreGap)) (best \(formatScore(c.exactBestScore)), beam \(formatScore(c.beamBestScore))); it returned \(c.beamPathsInExactTop) of the \(c.exactPathCount) best paths")
            }
        }
        if let written { printError("wrote \(written)") }
    }

    private func writeTraceJSON(_ trace: TraceResult, into directory: String) throws -> String {
        let dir = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw TraceError("cannot create output directory '\(directory)': \(error.localizedDescription)")
        }
        let file = dir.appendingPathComponent("trace.json")
        do {
            try trace.jsonData().write(to: file)
        } catch {
            throw TraceError("cannot write '\(file.path)': \(error.localizedDescription)")
        }
        return file.path
    }
}

func formatScore(_ x: Double) -> String { String(format: "%.4f", x) }

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Reads a JSON file the user named, with errors that say which option and file.
func readJSONFile(_ path: String, option: String) throws -> Any {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw TraceError("\(option): cannot read '\(path)': \(error.localizedDescription)")
    }
    do { return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
        throw TraceError("\(option): '\(path)' is not valid JSON")
    }
}
