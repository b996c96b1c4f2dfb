import Foundation
import ReverseAttention

/// Path-search benchmark: beam and exact search on large causal matrices.
/// Usage: rat-bench-paths [SIZE ...]   (default 512 2048 4096)
/// Matrices: random causal row-stochastic (dense rows, heavy-tailed), plus, when given with
/// `--npy FILE`, a real attention matrix. Prints wall time per search (median of 3).

struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomMatrix(_ n: Int) throws -> AttentionMatrix {
    var rng = Generator(state: UInt64(n))
    var values = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
        var sum: Float = 0
        for j in 0...i {
            let u = Float.random(in: 0.001..<1, using: &rng)
            let v = exp(-4 * u)  // heavy-ish tail
            values[i * n + j] = v
            sum += v
        }
        for j in 0...i { values[i * n + j] /= sum }
    }
    return try AttentionMatrix(size: n, values: values)
}

/// The search's worst case: each token attends mostly to the few just before it (as
/// previous-token heads do), so paths are long and reach every node at many lengths.
func localMatrix(_ n: Int) throws -> AttentionMatrix {
    var rng = Generator(state: UInt64(n) &+ 1)
    var values = [Float](repeating: 0, count: n * n)
    for i in 0..<n {
        var sum: Float = 0
        for j in 0...i {
            let distance = Float(i - j)
            let v = Float.random(in: 0.5..<1, using: &rng) * exp(-distance / 2) + 1e-4
            values[i * n + j] = v
            sum += v
        }
        for j in 0...i { values[i * n + j] /= sum }
    }
    return try AttentionMatrix(size: n, values: values)
}

func median(_ f: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        try f()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[1]
}

var arguments = Array(CommandLine.arguments.dropFirst())
var matrices: [(String, AttentionMatrix)] = []
if let i = arguments.firstIndex(of: "--npy"), i + 1 < arguments.count {
    let array = try NumpyArray(contentsOf: URL(fileURLWithPath: arguments[i + 1]))
    let m = array.shape.count == 3
        ? try AttentionMatrix(heads: array.shape[0], size: array.shape[1], values: array.values, aggregation: .mean)
        : try AttentionMatrix(size: array.shape[0], values: array.values)
    matrices.append((arguments[i + 1], m))
    arguments.removeSubrange(i...(i + 1))
}
let sizes = arguments.isEmpty ? [512, 2048, 4096] : arguments.compactMap { Int($0) }
for n in sizes {
    matrices.append(("random n=\(n)", try randomMatrix(n)))
    matrices.append(("local n=\(n)", try localMatrix(n)))
}

print("matrix | norm | beam (s) | exact (s) | beam found optimum | gap")
print("---|---|---|---|---|---")
for (name, m) in matrices {
    for norm in [LengthNormalization.averageLogProbability, .none, .squareRoot, .power(0.7)] {
        let options = PathSearchOptions(topBeam: 5, topK: 5, lengthNormalization: norm, stopAtBOS: false)
        let beamTime = try median { _ = try searchPaths(in: m, options: options, mode: .beam) }
        var result: PathSearchResult?
        let exactTime = try median { result = try searchPaths(in: m, options: options, mode: .exact) }
        let c = result!.comparison!
        print("\(name) | \(norm) | \(String(format: "%.3f", beamTime)) | \(String(format: "%.3f", exactTime)) | \(c.beamFoundOptimum) | \(String(format: "%.4g", c.scoreGap))")
    }
}
