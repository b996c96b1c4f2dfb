import ArgumentParser
import Foundation
import ReverseAttention

/// `rat paths`: path search over an attention matrix exported from anywhere as .npy.
struct PathsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paths",
        abstract: "Trace paths through an attention matrix given as a NumPy .npy file.",
        discussion: """
            MATRIX is float32 or float64, 2-D [seq][seq] (already aggregated) or 3-D \
            [heads][seq][seq] (aggregated with --agg-heads). Row q holds the attention of query \
            position q over key positions 0...q; entries above the diagonal must be zero.

            Examples:
              rat paths attention.npy --tokens tokens.json
              rat paths heads.npy --agg-heads max --target-pos -2 --top-beam 10 --search exact
              rat paths attention.npy --mask mask.json --bos-positions 0 --json > trace.json
            """
    )

    @Argument(help: "The attention matrix (.npy).")
    var matrix: String

    @Option(help: "JSON array of the token strings, one per position (default: [0], [1], ...).")
    var tokens: String?

    @Option(name: .customLong("token-ids"), help: "JSON array of the token ids, one per position (default: -1, unknown).")
    var tokenIDs: String?

    @Option(name: .customLong("agg-heads"), help: "For a 3-D matrix: combine heads with mean or max.")
    var aggHeads: HeadAggregation = .mean

    @Option(help: "Layer number to record in trace.json and the node ids (L{layer}_P{pos}).")
    var layer: Int = 0

    @Option(name: .customLong("bos-positions"), help: "Comma-separated BOS positions where paths stop, e.g. 0,17.")
    var bosPositions: String?

    @Option(help: "JSON array of 0/1 per position; 0 = padding, never followed.")
    var mask: String?

    @OptionGroup var search: SearchOptionGroup

    @Flag(help: "Write trace.json to stdout instead of the paths.")
    var json = false

    @Option(help: "Directory to write trace.json and index.html (the interactive page) into.")
    var output: String?

    @Option(help: "Also write the diagram as a static SVG file.")
    var svg: String?

    @Flag(name: .customLong("open-browser"), help: "Open the page (needs --output) with the system's opener.")
    var openBrowser = false

    func validate() throws {
        guard aggHeads != .none else {
            throw ValidationError("--agg-heads none is not supported for path search: use mean or max")
        }
    }

    func run() throws {
        let (attention, headsAggregated) = try loadMatrix()
        let n = attention.size
        let tokenStrings = try tokens.map { try readTokens($0, count: n) } ?? (0..<n).map { "[\($0)]" }
        let ids = try tokenIDs.map { try readTokenIDs($0, count: n) }
        let options = try search.options(bosPositions: try parseBOSPositions(), mask: try mask.map { try readMask($0, count: n) })
        let result = try searchPaths(in: attention, options: options, mode: search.search)
        let trace = try TraceResult(
            search: result, tokens: tokenStrings, tokenIDs: ids, layer: layer, options: options,
            extraSettings: TraceSettings(aggHeads: headsAggregated ? aggHeads : nil))
        try TraceOutput(json: json, outputDirectory: output, svgFile: svg, openBrowser: openBrowser).emit(trace, warnings: result.warnings)
    }

    /// The matrix, and whether it was aggregated from heads here.
    private func loadMatrix() throws -> (AttentionMatrix, Bool) {
        let array = try NumpyArray(contentsOf: URL(fileURLWithPath: matrix))
        do throws(TraceError) {
            switch array.shape.count {
            case 2:
                guard array.shape[0] == array.shape[1] else {
                    throw TraceError("attention matrix is not square: shape \(array.shape)")
                }
                return (try AttentionMatrix(size: array.shape[0], values: array.values), false)
            case 3:
                guard array.shape[1] == array.shape[2] else {
                    throw TraceError("attention is not [heads][seq][seq]: shape \(array.shape)")
                }
                let m = try AttentionMatrix(heads: array.shape[0], size: array.shape[1], values: array.values, aggregation: aggHeads)
                return (m, true)
            default:
                throw TraceError("expected a 2-D [seq][seq] or 3-D [heads][seq][seq] array, got shape \(array.shape)")
            }
        } catch {
            throw TraceError("\(matrix): \(error.message)")
        }
    }

    private func readTokens(_ path: String, count: Int) throws -> [String] {
        guard let strings = try readJSONFile(path, option: "--tokens") as? [String] else {
            throw TraceError("--tokens: '\(path)' must hold a JSON array of strings")
        }
        guard strings.count == count else {
            throw TraceError("--tokens: '\(path)' has \(strings.count) tokens, but the matrix has \(count) positions")
        }
        return strings
    }

    private func readTokenIDs(_ path: String, count: Int) throws -> [Int] {
        guard let values = try readJSONFile(path, option: "--token-ids") as? [Any],
              let ids = values.map({ ($0 as? NSNumber).flatMap { Int(exactly: $0.doubleValue) } }) as? [Int]
        else { throw TraceError("--token-ids: '\(path)' must hold a JSON array of integers") }
        guard ids.count == count else {
            throw TraceError("--token-ids: '\(path)' has \(ids.count) ids, but the matrix has \(count) positions")
        }
        return ids
    }

    private func readMask(_ path: String, count: Int) throws -> [Bool] {
        guard let values = try readJSONFile(path, option: "--mask") as? [Any] else {
            throw TraceError("--mask: '\(path)' must hold a JSON array of 0/1")
        }
        let mask = try values.map { value -> Bool in
            switch (value as? NSNumber)?.doubleValue {
            case 0: return false
            case 1: return true
            default: throw TraceError("--mask: '\(path)' must hold only 0 and 1, found \(value)")
            }
        }
        guard mask.count == count else {
            throw TraceError("--mask: '\(path)' has \(mask.count) entries, but the matrix has \(count) positions")
        }
        return mask
    }

    private func parseBOSPositions() throws -> [Int] {
        guard let bosPositions else { return [] }
        return try bosPositions.split(separator: ",").map { part in
            guard let p = Int(part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--bos-positions takes comma-separated integers, e.g. 0,17; got '\(bosPositions)'")
            }
            return p
        }
    }
}
