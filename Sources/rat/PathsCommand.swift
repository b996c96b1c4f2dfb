import ArgumentParser
import Foundation
import ReverseAttention

/// `rat paths`: path search over an attention matrix exported from anywhere as .npy.
struct PathsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paths",
        abstract: "Trace paths through an attention matrix given as a NumPy .npy file.",
        discussion: """
            MATRIX is float32 or float64, 2-D [seq][seq] (already aggregated), 3-D \
            [heads][seq][seq] (aggregated with --agg-heads), or 4-D [layers][heads][seq][seq] (every \
            layer, e.g. torch.stack(out.attentions)[:, 0]; --layer picks the traced one). Row q holds \
            the attention of query position q over key positions 0...q; entries above the diagonal \
            must be zero. The page (--output) explores every layer and both head aggregations the \
            matrix holds.

            Examples:
              rat paths attention.npy --tokens tokens.json
              rat paths heads.npy --agg-heads max --target-pos -2 --top-beam 10 --search exact
              rat paths attention.npy --mask mask.json --bos-positions 0 --json > trace.json
              rat paths layers.npy --layer 12 --tokens tokens.json --output out/   # 4-D: a page exploring every layer
              rat paths attention.npy --sink drop --sink-positions 0,1      # search without the sink columns
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

    @Option(parsing: .unconditional, help: "For a 4-D matrix: the layer to trace (negative counts from the end). Otherwise the layer number to record in trace.json and the node ids (L{layer}_P{pos}).")
    var layer: Int?

    @Option(name: .customLong("bos-positions"), help: "Comma-separated BOS positions where paths stop, e.g. 0,17.")
    var bosPositions: String?

    @Option(help: "JSON array of 0/1 per position; 0 = padding, never followed.")
    var mask: String?

    @OptionGroup var search: SearchOptionGroup

    @Flag(help: "Write trace.json to stdout instead of the paths.")
    var json = false

    @Option(help: "Directory to write trace.json and index.html (the interactive page) into.")
    var output: String?

    @OptionGroup(title: "The page's explorer") var explore: ExploreOptionGroup

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
        let loaded = try loadAttention()
        let traced = loaded.matrices[loaded.tracedLayer][loaded.tracedAggregation]
        let n = traced.size
        let tokenStrings = try tokens.map { try readTokens($0, count: n) } ?? (0..<n).map { "[\($0)]" }
        let ids = try tokenIDs.map { try readTokenIDs($0, count: n) }
        let bos = try parseBOSPositions()
        let mask = try mask.map { try readMask($0, count: n) }
        let options = try search.options(bosPositions: bos, mask: mask)
        let result = try searchPaths(in: traced, options: options, mode: search.search)
        let layerNumber = loaded.layers[loaded.tracedLayer]
        var trace = try TraceResult(
            search: result, tokens: tokenStrings, tokenIDs: ids, layer: layerNumber, options: options,
            extraSettings: TraceSettings(aggHeads: loaded.aggregations[loaded.tracedAggregation]))
        if output != nil {
            let explored = try exploredLayers(loaded)
            if !explored.isEmpty {
                trace.explorer = ExplorerData(
                    matrices: explored.map { loaded.matrices[$0] }, layers: explored.map { loaded.layers[$0] },
                    aggregations: loaded.aggregations, cap: max(explore.exploreCap, search.topK),
                    mask: mask, bosPositions: bos.filter { $0 >= 0 && $0 < n }, tokenIDs: ids, sinks: options.sink?.positions)
            }
        }
        try TraceOutput(json: json, outputDirectory: output, svgFile: svg, openBrowser: openBrowser).emit(trace, warnings: result.warnings)
    }

    /// The matrices of a .npy file: per layer, per aggregation.
    private struct LoadedAttention {
        /// Layer numbers (a 2-D or 3-D file holds one, numbered by --layer, default 0).
        var layers: [Int]
        var aggregations: [HeadAggregation?]
        var matrices: [[AttentionMatrix]]
        var tracedLayer: Int
        var tracedAggregation: Int
    }

    private func loadAttention() throws -> LoadedAttention {
        let array = try NumpyArray(contentsOf: URL(fileURLWithPath: matrix))
        let shape = array.shape
        do throws(TraceError) {
            switch shape.count {
            case 2:
                guard shape[0] == shape[1] else { throw TraceError("attention matrix is not square: shape \(shape)") }
                let m = try AttentionMatrix(size: shape[0], values: array.values)
                return LoadedAttention(layers: [layer ?? 0], aggregations: [nil], matrices: [[m]], tracedLayer: 0, tracedAggregation: 0)
            case 3:
                guard shape[1] == shape[2] else { throw TraceError("attention is not [heads][seq][seq]: shape \(shape)") }
                let both = try aggregated(array.values[...], heads: shape[0], size: shape[1])
                return LoadedAttention(layers: [layer ?? 0], aggregations: [.mean, .max], matrices: [both], tracedLayer: 0,
                                       tracedAggregation: aggHeads == .mean ? 0 : 1)
            case 4:
                guard shape[2] == shape[3] else { throw TraceError("attention is not [layers][heads][seq][seq]: shape \(shape)") }
                let count = shape[0], block = shape[1] * shape[2] * shape[3]
                let wanted = layer ?? -1, resolved = wanted < 0 ? count + wanted : wanted
                guard count >= 1, resolved >= 0 && resolved < count else {
                    throw TraceError("--layer \(wanted) out of range: the file holds \(count) layers (0...\(count - 1), or -1...-\(count))")
                }
                var matrices: [[AttentionMatrix]] = []
                for l in 0..<count {
                    do {
                        matrices.append(try aggregated(array.values[(l * block)..<((l + 1) * block)], heads: shape[1], size: shape[2]))
                    } catch {
                        throw TraceError("layer \(l): \(error.message)")
                    }
                }
                return LoadedAttention(layers: Array(0..<count), aggregations: [.mean, .max], matrices: matrices,
                                       tracedLayer: resolved, tracedAggregation: aggHeads == .mean ? 0 : 1)
            default:
                throw TraceError("expected a 2-D [seq][seq], 3-D [heads][seq][seq] or 4-D [layers][heads][seq][seq] array, got shape \(shape)")
            }
        } catch {
            throw TraceError("\(matrix): \(error.message)")
        }
    }

    /// Mean and max over the heads of one `[heads][seq][seq]` block.
    private func aggregated(_ values: ArraySlice<Float>, heads: Int, size: Int) throws(TraceError) -> [AttentionMatrix] {
        let block = Array(values)
        return [try AttentionMatrix(heads: heads, size: size, values: block, aggregation: .mean),
                try AttentionMatrix(heads: heads, size: size, values: block, aggregation: .max)]
    }

    /// Indices into `loaded.layers` the page explores.
    private func exploredLayers(_ loaded: LoadedAttention) throws -> [Int] {
        let count = loaded.layers.count
        let size = loaded.matrices[0][0].size
        switch explore.explore {
        case .none: return []
        case .all: return Array(0..<count)
        case .automatic: return size <= ExploreLayers.automaticLimit ? Array(0..<count) : [loaded.tracedLayer]
        case .layers(let wanted):
            var chosen: Set<Int> = [loaded.tracedLayer]
            for w in wanted {
                if count == 1 {
                    guard w == loaded.layers[0] else {
                        throw TraceError("--explore: layer \(w) is not in \(matrix), which holds one layer (\(loaded.layers[0]))")
                    }
                } else {
                    let r = w < 0 ? count + w : w
                    guard r >= 0 && r < count else {
                        throw TraceError("--explore: layer \(w) out of range: the file holds \(count) layers (0...\(count - 1), or -1...-\(count))")
                    }
                    chosen.insert(r)
                }
            }
            return chosen.sorted()
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
