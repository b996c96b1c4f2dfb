import Foundation
import ReverseAttention

/// Writes a trace where the user asked: paths on stdout (or trace.json with `--json`), and
/// trace.json into `--output DIR`. Warnings and reports go to stderr, so stdout stays clean.
struct TraceOutput {
    var json: Bool
    var outputDirectory: String?
    var svgFile: String? = nil
    var openBrowser: Bool = false

    func emit(_ trace: TraceResult, warnings: [String]) throws {
        // Files first: if the output folder is unusable, fail before printing anything.
        let page = try outputDirectory.map { try TracePage.write(trace, to: URL(fileURLWithPath: $0)) }
        if let svgFile {
            do {
                try Data(SankeySVG.document(trace).utf8).write(to: URL(fileURLWithPath: svgFile))
            } catch {
                throw TraceError("cannot write '\(svgFile)': \(error.localizedDescription)")
            }
        }
        for warning in warnings { printError("warning: \(warning)") }
        if json {
            FileHandle.standardOutput.write(try trace.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            for (i, line) in trace.pathsText.enumerated() {
                var effect = ""
                if let f = trace.faithfulness, i < f.beams.count {
                    effect = "  Δlogprob \(formatFixed(f.beams[i].deltaLogprob, digits: 4))"
                    if let mean = f.beams[i].baselineMean, let sd = f.beams[i].baselineSD {
                        effect += " (random \(formatFixed(mean, digits: 4)) ± \(formatFixed(sd, digits: 4)))"
                    }
                }
                print("Beam \(i + 1): \(line)\(effect)")
            }
        }
        if let f = trace.faithfulness {
            printError("verify: the model predicts \(String(reflecting: f.predictedToken)) (id \(f.predictedTokenID), log p \(formatScore(f.baseLogprob))) after the target; Δlogprob is the change with a path's edges knocked out")
        }
        if let c = trace.searchComparison {
            if c.beamFoundOptimum {
                printError("exact search: beam search found the optimum (score \(formatScore(c.exactBestScore))); it returned \(c.beamPathsInExactTop) of the \(c.exactPathCount) best paths")
            } else {
                printError("exact search: beam search missed the optimum by \(formatScore(c.scoreGap)) (best \(formatScore(c.exactBestScore)), beam \(formatScore(c.beamBestScore))); it returned \(c.beamPathsInExactTop) of the \(c.exactPathCount) best paths")
            }
        }
        if let page {
            printError("wrote \(page.deletingLastPathComponent().appendingPathComponent("trace.json").path)")
            printError("page: \(page.path)")
            if openBrowser { openWithSystem(page) }
        }
        if let svgFile { printError("wrote \(svgFile)") }
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
