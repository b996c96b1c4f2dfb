import Foundation
import ReverseAttention

/// The repository's Fixtures/ folder, found from this source file (tests run from a checkout).
let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

/// One golden case made by the reference's `beam_search_backward` (tools/paths/make_fixtures.py).
struct PathCase: Decodable, CustomTestStringConvertible, Sendable {
    let name: String
    let source: String
    let matrix: String
    let layer: Int
    let tokens: [String]
    let tokenIDs: [Int]
    let targetPos: Int
    let topBeam: Int
    let topK: Int
    let minAttn: Double
    let lengthNorm: String
    let stopAtBOS: Bool
    let bosPositions: [Int]
    let mask: [Int]?
    /// The reference's trace.json for this case, as raw JSON.
    let expected: TraceResult

    enum CodingKeys: String, CodingKey {
        case name, source, matrix, layer, tokens, mask, expected
        case tokenIDs = "token_ids"
        case targetPos = "target_pos"
        case topBeam = "top_beam"
        case topK = "top_k"
        case minAttn = "min_attn"
        case lengthNorm = "length_norm"
        case stopAtBOS = "stop_at_bos"
        case bosPositions = "bos_positions"
    }

    var testDescription: String { name }

    func options() throws -> PathSearchOptions {
        PathSearchOptions(
            targetPosition: targetPos, topBeam: topBeam, topK: topK, minAttention: minAttn,
            lengthNormalization: try LengthNormalization(parsing: lengthNorm), stopAtBOS: stopAtBOS,
            bosPositions: bosPositions, mask: mask.map { $0.map { $0 != 0 } })
    }

    func loadMatrix() throws -> AttentionMatrix {
        let array = try NumpyArray(contentsOf: fixturesDirectory.appendingPathComponent("paths/\(matrix)"))
        return try AttentionMatrix(size: array.shape[0], values: array.values)
    }
}

import Testing

private struct CaseFile: Decodable { let cases: [PathCase] }

/// All golden path-search cases (loaded once).
let pathCases: [PathCase] = {
    let url = fixturesDirectory.appendingPathComponent("paths/cases.json")
    do {
        return try JSONDecoder().decode(CaseFile.self, from: Data(contentsOf: url)).cases
    } catch {
        fatalError("cannot load \(url.path): \(error)")
    }
}()

func relativeDifference(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(a), abs(b), 1e-300)
}
