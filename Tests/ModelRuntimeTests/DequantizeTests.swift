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
        // The vectorized tensor conversions, on every bit pattern, from an odd address.
        let patterns = [UInt8](repeating: 0, count: 1) + (0...UInt16.max).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        var f16 = [Float](repeating: 0, count: 65_536), bf16 = f16
        patterns.withUnsafeBytes { raw in
            Dequantize.run(.f16, from: raw.baseAddress! + 1, count: 65_536, into: &f16)
            Dequantize.run(.bf16, from: raw.baseAddress! + 1, count: 65_536, into: &bf16)
        }
        for bits in 0...UInt16.max {
            let i = Int(bits), half = Float(Float16(bitPattern: bits)), brain = Float(bitPattern: UInt32(bits) << 16)
            if half.isNaN { #expect(f16[i].isNaN) } else { #expect(f16[i].bitPattern == half.bitPattern, "f16 \(bits)") }
            if brain.isNaN { #expect(bf16[i].isNaN) } else { #expect(bf16[i].bitPattern == brain.bitPattern, "bf16 \(bits)") }
        }
        #endif
    }
}
