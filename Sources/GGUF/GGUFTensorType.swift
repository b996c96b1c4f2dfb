/// ggml tensor element types that rat can read, with their block geometry.
public enum GGUFTensorType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    /// Plain float32 and float16 (one element per block), and ggml's legacy quantizations in blocks
    /// of 32 weights with a float16 scale: `q4_0`, `q5_0`, `q8_0` (4, 5 and 8 bits, symmetric;
    /// 18, 22 and 34 bytes a block) and `q4_1`, `q5_1` (4 and 5 bits plus a float16 minimum;
    /// 20 and 24 bytes).
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8
    /// k-quants in super-blocks of 256 weights: `q4_K` and `q5_K` (4 and 5 bits, eight sub-blocks
    /// of 32 with 6-bit scales and minimums; 144 and 176 bytes) and `q6_K` (6 bits, sixteen
    /// sub-blocks of 16 with 8-bit scales; 210 bytes); and plain bfloat16.
    case q4_K = 12, q5_K = 13, q6_K = 14, bf16 = 30

    /// Elements per block (1 for plain floats).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0: 32
        case .q4_K, .q5_K, .q6_K: 256
        }
    }

    /// Bytes per block.
    public var bytesPerBlock: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18
        case .q4_1: 20
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: 34
        case .q4_K: 144
        case .q5_K: 176
        case .q6_K: 210
        }
    }

    /// The type's name as ggml writes it (`F32`, `Q4_K`, …).
    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        }
    }

    /// Names of ggml type ids rat does not read, so the error can say what the file holds.
    static func nameOfUnsupported(_ raw: UInt32) -> String {
        let names: [UInt32: String] = [
            4: "Q4_2", 5: "Q4_3", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS",
            18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8",
            25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
        ]
        return names[raw] ?? "unknown"
    }
}
