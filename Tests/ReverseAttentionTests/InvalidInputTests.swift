import Foundation
import ReverseAttention
import Testing

/// Every invalid input is a clear `TraceError`, never a crash.
@Suite struct InvalidInputTests {
    let small = try! AttentionMatrix(rows: [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]])

    func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let e as TraceError { return e.message } catch { return "unexpected \(error)" }
        return nil
    }

    @Test func badSearchParameters() {
        let cases: [(PathSearchOptions, String)] = [
            (PathSearchOptions(topBeam: 0), "top_beam must be >= 1, got 0"),
            (PathSearchOptions(topBeam: -3), "top_beam must be >= 1, got -3"),
            (PathSearchOptions(topK: 0), "top_k must be >= 1, got 0"),
            (PathSearchOptions(targetPosition: 3), "target position 3 out of range for sequence length 3"),
            (PathSearchOptions(targetPosition: -4), "target position -4 out of range for sequence length 3"),
            (PathSearchOptions(minAttention: .nan), "min_attn must be a finite number, got nan"),
            (PathSearchOptions(mask: [true, false]), "attention mask has 2 entries, but the sequence has 3 tokens"),
            (PathSearchOptions(bosPositions: [7]), "BOS position 7 out of range for sequence length 3"),
            (PathSearchOptions(lengthNormalization: .power(.infinity)), "pow length normalization needs a finite exponent, got inf"),
        ]
        for (options, expected) in cases {
            for mode in SearchMode.allCases {
                #expect(message { _ = try searchPaths(in: small, options: options, mode: mode) } == expected)
            }
        }
    }

    @Test func absurdButValidParametersAreFine() throws {
        let options = PathSearchOptions(topBeam: 1_000_000, topK: 1_000_000, minAttention: 2)
        let r = try searchPaths(in: small, options: options)
        #expect(r.paths.map(\.positions) == [[2]])  // min_attn 2 leaves no predecessor
        let exact = try searchPaths(in: small, options: PathSearchOptions(topBeam: 100_000, topK: 100_000), mode: .exact)
        #expect(exact.paths.map(\.positions) == [[2, 1, 0], [2, 0]])  // every path: log(.3)/2 > log(.2)
    }

    @Test func lengthNormalizationParsing() throws {
        #expect(try LengthNormalization(parsing: "none") == .none)
        #expect(try LengthNormalization(parsing: "avg_logprob") == .averageLogProbability)
        #expect(try LengthNormalization(parsing: "sqrt") == .squareRoot)
        #expect(try LengthNormalization(parsing: "pow:0.7") == .power(0.7))
        #expect(try LengthNormalization(parsing: "pow:2") == .power(2))
        for bad in ["", "pow", "pow:", "pow:abc", "pow:nan", "pow:inf", "mean", "AVG_LOGPROB", "sqrt "] {
            #expect(message { _ = try LengthNormalization(parsing: bad) } != nil, "\(bad)")
        }
        #expect(message { _ = try LengthNormalization(parsing: "pow:x") }!.contains("pow:α"))
        #expect(message { _ = try LengthNormalization(parsing: "geo") }!.contains("'none', 'avg_logprob', 'sqrt', 'pow:α'"))
    }

    @Test func badMatrices() {
        #expect(message { _ = try AttentionMatrix(rows: []) }!.contains("empty"))
        #expect(message { _ = try AttentionMatrix(rows: [[1, 0], [1]]) }!.contains("not square"))
        #expect(message { _ = try AttentionMatrix(size: 2, values: [1, 0, 1]) }!.contains("needs 4 values"))
        #expect(message { _ = try AttentionMatrix(rows: [[1, 0], [.nan, 0]]) }!.contains("non-finite value nan at [1][0]"))
        #expect(message { _ = try AttentionMatrix(rows: [[1, 0], [.infinity, 0]]) }!.contains("non-finite"))
        #expect(message { _ = try AttentionMatrix(rows: [[1, 0], [-0.5, 1]]) }!.contains("negative value -0.5 at [1][0]"))
        #expect(message { _ = try AttentionMatrix(rows: [[0.5, 0.5], [0.5, 0.5]]) }!.contains("not causal: [0][1]"))
        #expect(message { _ = try AttentionMatrix(heads: 2, size: 2, values: [1, 0, 1, 0, 1, 0, 1], aggregation: .mean) }!.contains("needs 8 values"))
        #expect(message { _ = try AttentionMatrix(heads: 1, size: 1, values: [1], aggregation: .none) }!.contains("'mean' or 'max'"))
        #expect(message { _ = try AttentionMatrix(heads: 2, size: 1, values: [1, .nan], aggregation: .max) }!.contains("head 1"))
    }

    @Test func tokensMustCoverTheMatrix() throws {
        let options = PathSearchOptions()
        let search = try searchPaths(in: small, options: options)
        #expect(message { _ = try TraceResult(search: search, tokens: ["a"], layer: 0, options: options) }!.contains("reach position 2"))
        #expect(message { _ = try TraceResult(search: search, tokens: ["a", "b", "c"], tokenIDs: [1], layer: 0, options: options) } != nil)
    }

    @Test func stopAtBOSWithoutBOSWarns() throws {
        let warned = try searchPaths(in: small, options: PathSearchOptions(stopAtBOS: true, bosPositions: []))
        #expect(warned.warnings.count == 1)
        #expect(try searchPaths(in: small, options: PathSearchOptions(stopAtBOS: false)).warnings.isEmpty)
        #expect(try searchPaths(in: small, options: PathSearchOptions(bosPositions: [0])).warnings.isEmpty)
    }

    @Test func singleTokenSequence() throws {
        let one = try AttentionMatrix(rows: [[1]])
        for mode in SearchMode.allCases {
            let r = try searchPaths(in: one, mode: mode)
            #expect(r.paths.map(\.positions) == [[0]])
            #expect(r.paths[0].rawScore == 0 && r.paths[0].edgeAttentions.isEmpty)
        }
    }
}

/// Head aggregation against torch's `mean(dim=0)` / `max(dim=0)` on real SmolLM2 attention.
@Suite struct HeadAggregationTests {
    @Test(arguments: [HeadAggregation.mean, .max])
    func matchesTorch(_ aggregation: HeadAggregation) throws {
        let dir = fixturesDirectory.appendingPathComponent("paths/matrices")
        let heads = try NumpyArray(contentsOf: dir.appendingPathComponent("smollm2_t1_l29_heads.npy"))
        let want = try NumpyArray(contentsOf: dir.appendingPathComponent("smollm2_t1_l29_heads_\(aggregation.rawValue).npy"))
        #expect(heads.shape.count == 3 && heads.shape[1] == heads.shape[2])
        let m = try AttentionMatrix(heads: heads.shape[0], size: heads.shape[1], values: heads.values, aggregation: aggregation)
        #expect(m.size == want.shape[0])
        let worst = zip(m.values, want.values).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-7)
    }
}
