import Foundation
import ReverseAttention
import Testing

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A random causal row-stochastic matrix; some entries exactly zero.
func randomCausalMatrix(size n: Int, using rng: inout SplitMix64) throws -> AttentionMatrix {
    var values = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
        var row = (0...i).map { _ in Float.random(in: 0..<1, using: &rng) }
        row = row.map { $0 < 0.15 ? 0 : $0 * $0 * $0 }
        if row.allSatisfy({ $0 == 0 }) { row[0] = 1 }
        let sum = row.reduce(0, +)
        for j in 0...i { values[i * n + j] = row[j] / sum }
    }
    return try AttentionMatrix(size: n, values: values)
}

/// Every complete path of the candidate graph, enumerated independently of the library:
/// candidates re-derived here, terminal rules as SPEC section 2 states them.
func bruteForcePaths(_ m: AttentionMatrix, target: Int, options o: PathSearchOptions) -> [ScoredPath] {
    let threshold = Float(o.minAttention)
    func candidates(_ p: Int) -> [(Int, Float)] {
        var row: [(Int, Float)] = []
        for q in 0..<p {
            var v = m[p, q]
            if let mask = o.mask, !mask[q] { v = 0 }
            if v < threshold { v = 0 }
            if v > 0 { row.append((q, v)) }
        }
        row.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Array(row.prefix(o.topK))
    }
    let bos = Set(o.stopAtBOS ? o.bosPositions : [])
    var complete: [ScoredPath] = []
    func finish(_ positions: [Int], _ edges: [Double]) {
        var raw = 0.0
        for a in edges { raw += log(max(a, 1e-12)) }
        complete.append(ScoredPath(
            positions: positions, edgeAttentions: edges, rawScore: raw,
            normalizedScore: o.lengthNormalization.normalize(raw, edges: edges.count)))
    }
    func walk(_ positions: [Int], _ edges: [Double]) {
        let current = positions.last!
        let next = current == 0 ? [] : candidates(current)
        if next.isEmpty { return finish(positions, edges) }
        for (q, v) in next {
            if q == 0 || bos.contains(q) {
                finish(positions + [q], edges + [Double(v)])
            } else {
                walk(positions + [q], edges + [Double(v)])
            }
        }
    }
    walk([target], [])
    return complete.sorted { $0.normalizedScore > $1.normalizedScore }
}

@Suite struct ExactSearchTests {
    /// On every golden case, exact search's i-th best score is at least beam search's i-th best.
    @Test(arguments: pathCases)
    func exactIsAtLeastAsGoodAsBeam(_ c: PathCase) throws {
        let options = try c.options()
        let matrix = try c.loadMatrix()
        let exact = try searchPaths(in: matrix, options: options, mode: .exact)
        let beam = try searchPaths(in: matrix, options: options, mode: .beam)
        #expect(exact.paths.count >= beam.paths.count)
        #expect(exact.paths.count <= options.topBeam)
        for (e, b) in zip(exact.paths, beam.paths) {
            #expect(e.normalizedScore >= b.normalizedScore - 1e-12 * abs(b.normalizedScore), "\(c.name)")
        }
        for pair in zip(exact.paths, exact.paths.dropFirst()) {
            #expect(pair.0.normalizedScore >= pair.1.normalizedScore)
        }
        let comparison = try #require(exact.comparison)
        #expect(comparison.beamBestScore == beam.paths[0].normalizedScore)
        #expect(comparison.exactBestScore == exact.paths[0].normalizedScore)
        #expect(comparison.beamFoundOptimum == (comparison.scoreGap == 0))
        for path in exact.paths {
            #expect(path.positions.first == exact.target)
            #expect(path.positions.count == path.edgeAttentions.count + 1)
            #expect(zip(path.positions, path.positions.dropFirst()).allSatisfy { $0 > $1 })
        }
    }

    /// On random small matrices, exact search equals enumerating every path.
    @Test(arguments: 0..<300)
    func exactEqualsBruteForce(_ seed: Int) throws {
        var rng = SplitMix64(state: UInt64(seed) &* 7919 &+ 17)
        let n = Int.random(in: 1...11, using: &rng)
        let matrix = try randomCausalMatrix(size: n, using: &rng)
        let norms: [LengthNormalization] = [.none, .averageLogProbability, .squareRoot, .power(0.7), .power(1.5), .power(-0.3)]
        var options = PathSearchOptions(
            targetPosition: Int.random(in: 0..<n, using: &rng),
            topBeam: Int.random(in: 1...8, using: &rng),
            topK: Int.random(in: 1...4, using: &rng),
            minAttention: [0, 0, 0.02, 0.1].randomElement(using: &rng)!,
            lengthNormalization: norms.randomElement(using: &rng)!,
            stopAtBOS: Bool.random(using: &rng),
            bosPositions: (0..<n).filter { _ in Int.random(in: 0..<5, using: &rng) == 0 })
        if Bool.random(using: &rng) { options.mask = (0..<n).map { _ in Int.random(in: 0..<6, using: &rng) != 0 } }

        let exact = try searchPaths(in: matrix, options: options, mode: .exact)
        let all = bruteForcePaths(matrix, target: exact.target, options: options)
        let expected = Array(all.prefix(options.topBeam))
        try #require(exact.paths.count == expected.count, "seed \(seed)")
        for (i, (got, want)) in zip(exact.paths, expected).enumerated() {
            #expect(relativeDifference(got.normalizedScore, want.normalizedScore) <= 1e-12, "seed \(seed) rank \(i)")
            // Where the score is unique among all paths, the path itself must be the same.
            if all.filter({ $0.normalizedScore == want.normalizedScore }).count == 1 {
                #expect(got.positions == want.positions, "seed \(seed) rank \(i)")
                #expect(got.edgeAttentions == want.edgeAttentions)
            }
        }
    }

    /// A graph where beam search with top_beam 1 provably misses the optimum (the concept page's
    /// point: a strong first edge can lead to a weak path). Worked by hand, lengthNorm none:
    /// beam keeps 4->3 (0.45) over 4->2 (0.3), then ends 4->3->2->0 = log(.45 · .3 · .6) = -2.514;
    /// the best path is 4->2->0 = log(.3 · .6) = -1.715.
    @Test func exactFindsWhatBeamMisses() throws {
        let rows: [[Float]] = [
            [1, 0, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [0.6, 0.4, 0, 0, 0],
            [0.2, 0.25, 0.3, 0.25, 0],
            [0.05, 0.05, 0.3, 0.45, 0.15],
        ]
        let m = try AttentionMatrix(rows: rows)
        let options = PathSearchOptions(topBeam: 1, topK: 2, lengthNormalization: .none, stopAtBOS: false)
        let beam = try searchPaths(in: m, options: options, mode: .beam)
        let exact = try searchPaths(in: m, options: options, mode: .exact)
        #expect(beam.paths[0].positions == [4, 3, 2, 0])
        #expect(exact.paths[0].positions == [4, 2, 0])
        #expect(abs(exact.paths[0].normalizedScore - log(0.3 * 0.6)) < 1e-6)
        let comparison = try #require(exact.comparison)
        #expect(!comparison.beamFoundOptimum)
        #expect(abs(comparison.scoreGap - (log(0.3 * 0.6) - log(0.45 * 0.3 * 0.6))) < 1e-6)
        #expect(comparison.beamPathsInExactTop == 0)
    }
}
