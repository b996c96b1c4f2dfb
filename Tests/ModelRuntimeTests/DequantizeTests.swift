import Foundation
import GGUF
import ModelRuntime
import Testing

/// Every tensor type against gguf-py's own dequantization (tools/runtime/make_quant_fixtures.py).
@Suite struct DequantizeTests {
    static let quantDirectory = fixturesDirectory.appendingPathComponent("runtime/quant")

    @Test(arguments: ["f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k", "q5_k", "q6_k"])
    func matchesGGUFPy(_ type: String) throws {
        let weights = GGUFWeights(try GGUFFile(path: Self.quantDirectory.appendingPathComponent("\(type).gguf").path))
        let tensor = try weights.tensor("weight")
        #expect(tensor.type.description.lowercased() == type)
        #expect(tensor.shape == [4, 512])
        let ours = try tensor.floats()
        let expected = try weights.tensor("weight.expected").floats()
        #expect(ours.count == expected.count)
        let mismatches = zip(ours, expected).filter { $0.0 != $0.1 }.count
        #expect(mismatches == 0, "\(type): \(mismatches) values differ from gguf-py")
        #expect(Set(ours).count > 16, "\(type): the fixture should hold varied values")
        // Row access reads the same values.
        #expect(try tensor.floats(row: 2) == Array(expected[1024..<1536]))
    }

    /// The real default model: rows of its Q8_0 embedding and Q4_1 weights against gguf-py.
    @Test(.enabled(if: smolLM2Available)) func realSmolLM2Tensors() throws {
        let model = GGUFWeights(try GGUFFile(path: smolLM2Path))
        let expected = GGUFWeights(try GGUFFile(path: Self.quantDirectory.appendingPathComponent("smollm2_rows.gguf").path))
        for name in ["token_embd.weight", "blk.0.attn_q.weight", "blk.29.ffn_down.weight"] {
            let tensor = try model.tensor(name)
            let want = try expected.tensor(name).floats()
            let width = tensor.rowLength
            for (i, row) in [0, 1, 2, tensor.shape[0] - 1].enumerated() {
                #expect(try tensor.floats(row: row) == Array(want[(i * width)..<((i + 1) * width)]), "\(name) row \(row)")
            }
        }
    }

    @Test func halfPrecisionConversionIsExact() {
        // Every fp16 bit pattern against Swift's own Float16 where the platform has it.
        #if !(os(macOS) && arch(x86_64))
        for bits in 0...UInt16.max {
            let ours = halfToFloat(bits), reference = Float(Float16(bitPattern: bits))
            if reference.isNaN { #expect(ours.isNaN) } else { #expect(ours.bitPattern == reference.bitPattern, "\(bits)") }
        }
        #endif
    }
}
