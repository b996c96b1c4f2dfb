import CKernels
import Foundation
import GGUF
import ModelRuntime
import Testing

/// The products read from stored blocks (`rat_quantized_matmul`, a generation step's matrix
/// products) against float64 products of gguf-py's own dequantization of the same blocks
/// (tools/runtime/make_quant_fixtures.py), for every tensor type and 1 to 17 activation rows
/// (one row takes the hand-written AVX2 path where there is one; more take the generic kernel
/// in groups of eight).
@Suite struct StoredProductTests {
    static let types = ["f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k"]

    @Test(arguments: types)
    func productsMatchTheDequantizedMatrix(_ name: String) throws {
        let file = try GGUFFile(path: DequantizeTests.quantDirectory.appendingPathComponent("\(name).gguf").path)
        let info = try #require(file.tensor(named: "weight"))
        let expected = try GGUFWeights(file).tensor("weight.expected").floats()
        let (rows, columns) = (info.dimensions[1], info.dimensions[0])  // GGUF lists the innermost axis first
        #expect(rows == 4 && columns == 512)
        let type = Int32(info.type.rawValue)
        let rowBytes = columns / info.type.blockSize * info.type.bytesPerBlock
        #expect(Int(rat_quantized_block_bytes(type)) * columns / Int(rat_quantized_block_size(type)) == rowBytes)
        var generator = SystemRandomNumberGenerator()
        // Every instruction set this CPU has (a hand-written path for some types; the generic kernel for the rest).
        let isas = (0...Int(rat_quantized_isa())).map { Int32($0) }
        for n in [1, 2, 3, 8, 9, 17] {
          for isa in n == 1 ? isas : [Int32(RAT_ISA_GENERIC)] {
            let x = (0..<(n * columns)).map { _ in Float.random(in: -2...2, using: &generator) }
            var out = [Float](repeating: .nan, count: n * rows)
            let data = file.data(of: info)
            rat_quantized_matmul_isa(isa, type, data.baseAddress!, rowBytes, rows, columns, x, columns, n, &out, rows)
            for i in 0..<n {
                for r in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for c in 0..<columns {
                        let term = Double(expected[r * columns + c]) * Double(x[i * columns + c])
                        exact += term
                        magnitude += abs(term)
                    }
                    let error = abs(Double(out[i * rows + r]) - exact) / max(magnitude, 1e-30)
                    #expect(error < 1e-5, "\(name), instruction set \(isa): row \(r) of \(n) activation rows: \(out[i * rows + r]) against \(exact)")
                }
            }
          }
        }
        // The tile dequantization the kernel shares equals gguf-py's.
        var tile = [Float](repeating: .nan, count: rows * columns)
        rat_dequantize_rows(type, file.data(of: info).baseAddress!, rowBytes, rows, columns, &tile)
        let worst = zip(tile, expected).map { abs($0 - $1) / max(abs($1), 1e-30) }.max() ?? 0
        #expect(worst <= 1e-6, "\(name): dequantized tile differs from gguf-py by \(worst) (relative)")
    }
}

/// A pass of at most 8 positions multiplies the weights in their stored blocks, a longer one
/// through float32 copies and BLAS: on the real models, both give the same logits and attention
/// at the positions they share (causal attention: the first positions of a longer pass see
/// exactly what a shorter pass sees).
@Suite struct StoredPassTests {
    @Test(.enabled(if: smolLM2Available)) func smolLM2() throws { try compare(smolLM2Path) }
    @Test(.enabled(if: gemma3Available)) func gemma3() throws { try compare(gemma3Path) }

    func compare(_ path: String) throws {
        let model = try CausalLanguageModel(path: path)
        let vocabulary = model.config.vocabularySize, layer = model.config.layerCount - 1
        let ids = (0..<12).map { 100 + $0 * 977 % (vocabulary - 200) }
        let plan = PassPlan(captures: [layer: .mean], logits: .allPositions)
        let long = try model.run(ids, plan: plan)          // 12 positions: float32 and BLAS
        let short = try model.run(Array(ids.prefix(6)), plan: plan)  // 6: stored blocks
        let scale = long.logits.map(abs).max() ?? 1
        let logitError = FamilyParityTests.worst(short.logits, long.logits.prefix(6 * vocabulary))
        #expect(logitError <= 1e-4 * scale, "\(path): logits differ by \(logitError) (largest logit \(scale))")
        let a = short.attention[0], b = long.attention[0]
        for r in 0..<6 {
            let error = FamilyParityTests.worst(a.values[(r * 6)..<(r * 6 + 6)], b.values[(r * 12)..<(r * 12 + 6)])
            #expect(error <= 1e-5, "\(path): attention row \(r) differs by \(error)")
        }
    }
}
