import CKernels
import GGUF

/// Converts GGUF tensor data to float32 exactly as ggml's `dequantize_row_*` functions do.
/// Works on whole blocks: `count` must be a multiple of the type's block size.
public enum Dequantize {
    /// Dequantizes `count` elements starting at the beginning of `source` into `destination`.
    public static func run(
        _ type: GGUFTensorType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>
    ) {
        precondition(count % type.blockSize == 0, "\(count) elements is not a whole number of \(type) blocks")
        let blocks = count / type.blockSize
        let y = destination
        switch type {
        case .f32:
            for i in 0..<count { y[i] = Float(bitPattern: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        case .f16:
            rat_f16_to_f32(source, y, count)
        case .bf16:
            rat_bf16_to_f32(source, y, count)
        case .q4_0:
            for b in 0..<blocks {
                let x = source + b * 18, out = y + b * 32
                let d = half(x, 0)
                for j in 0..<16 {
                    let q = x.load(fromByteOffset: 2 + j, as: UInt8.self)
                    out[j] = Float(Int(q & 0x0F) - 8) * d
                    out[j + 16] = Float(Int(q >> 4) - 8) * d
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let x = source + b * 20, out = y + b * 32
                let d = half(x, 0), m = half(x, 2)
                for j in 0..<16 {
                    let q = x.load(fromByteOffset: 4 + j, as: UInt8.self)
                    out[j] = Float(q & 0x0F) * d + m
                    out[j + 16] = Float(q >> 4) * d + m
                }
            }
        case .q5_0:
            for b in 0..<blocks {
                let x = source + b * 22, out = y + b * 32
                let d = half(x, 0)
                let qh = x.loadUnaligned(fromByteOffset: 2, as: UInt32.self).littleEndian
                for j in 0..<16 {
                    let q = x.load(fromByteOffset: 6 + j, as: UInt8.self)
                    let xh0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
                    let xh1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
                    out[j] = Float(Int((q & 0x0F) | xh0) - 16) * d
                    out[j + 16] = Float(Int((q >> 4) | xh1) - 16) * d
                }
            }
        case .q5_1:
            for b in 0..<blocks {
                let x = source + b * 24, out = y + b * 32
                let d = half(x, 0), m = half(x, 2)
                let qh = x.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
                for j in 0..<16 {
                    let q = x.load(fromByteOffset: 8 + j, as: UInt8.self)
                    let xh0 = UInt8(truncatingIfNeeded: ((qh >> UInt32(j)) << 4) & 0x10)
                    let xh1 = UInt8(truncatingIfNeeded: (qh >> UInt32(j + 12)) & 0x10)
                    out[j] = Float((q & 0x0F) | xh0) * d + m
                    out[j + 16] = Float((q >> 4) | xh1) * d + m
                }
            }
        case .q8_0:
            for b in 0..<blocks {
                let x = source + b * 34, out = y + b * 32
                let d = half(x, 0)
                for j in 0..<32 { out[j] = Float(x.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        case .q4_K:
            for b in 0..<blocks {
                let x = source + b * 144
                var out = y + b * 256
                let d = half(x, 0), dmin = half(x, 2)
                let scales = x + 4
                var q = x + 16
                var isub = 0
                for _ in 0..<4 {
                    let (sc1, m1) = scaleMinK4(isub, scales)
                    let (sc2, m2) = scaleMinK4(isub + 1, scales)
                    let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                    let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                    for l in 0..<32 { out[l] = d1 * Float(q.load(fromByteOffset: l, as: UInt8.self) & 0x0F) - min1 }
                    for l in 0..<32 { out[32 + l] = d2 * Float(q.load(fromByteOffset: l, as: UInt8.self) >> 4) - min2 }
                    out += 64
                    q += 32
                    isub += 2
                }
            }
        case .q5_K:
            for b in 0..<blocks {
                let x = source + b * 176
                var out = y + b * 256
                let d = half(x, 0), dmin = half(x, 2)
                let scales = x + 4
                let qh = x + 16
                var ql = x + 48
                var isub = 0
                var u1: UInt8 = 1, u2: UInt8 = 2
                for _ in 0..<4 {
                    let (sc1, m1) = scaleMinK4(isub, scales)
                    let (sc2, m2) = scaleMinK4(isub + 1, scales)
                    let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                    let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                    for l in 0..<32 {
                        let h: UInt8 = qh.load(fromByteOffset: l, as: UInt8.self) & u1 != 0 ? 16 : 0
                        out[l] = d1 * Float((ql.load(fromByteOffset: l, as: UInt8.self) & 0x0F) + h) - min1
                    }
                    for l in 0..<32 {
                        let h: UInt8 = qh.load(fromByteOffset: l, as: UInt8.self) & u2 != 0 ? 16 : 0
                        out[32 + l] = d2 * Float((ql.load(fromByteOffset: l, as: UInt8.self) >> 4) + h) - min2
                    }
                    out += 64
                    ql += 32
                    isub += 2
                    u1 <<= 2
                    u2 <<= 2
                }
            }
        case .q6_K:
            for b in 0..<blocks {
                let x = source + b * 210
                var out = y + b * 256
                var ql = x, qh = x + 128, sc = x + 192
                let d = half(x, 208)
                for _ in 0..<2 {
                    for l in 0..<32 {
                        let isc = l / 16
                        let a = ql.load(fromByteOffset: l, as: UInt8.self)
                        let c = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                        let h = qh.load(fromByteOffset: l, as: UInt8.self)
                        let q1 = Int8(bitPattern: (a & 0x0F) | ((h >> 0) & 3) << 4) - 32
                        let q2 = Int8(bitPattern: (c & 0x0F) | ((h >> 2) & 3) << 4) - 32
                        let q3 = Int8(bitPattern: (a >> 4) | ((h >> 4) & 3) << 4) - 32
                        let q4 = Int8(bitPattern: (c >> 4) | ((h >> 6) & 3) << 4) - 32
                        out[l] = d * Float(sc.load(fromByteOffset: isc, as: Int8.self)) * Float(q1)
                        out[l + 32] = d * Float(sc.load(fromByteOffset: isc + 2, as: Int8.self)) * Float(q2)
                        out[l + 64] = d * Float(sc.load(fromByteOffset: isc + 4, as: Int8.self)) * Float(q3)
                        out[l + 96] = d * Float(sc.load(fromByteOffset: isc + 6, as: Int8.self)) * Float(q4)
                    }
                    out += 128
                    ql += 64
                    qh += 32
                    sc += 8
                }
            }
        }
    }

    /// The 6-bit scale and min of sub-block `j` of a Q4_K / Q5_K block (ggml's `get_scale_min_k4`).
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ q: UnsafeRawPointer) -> (UInt8, UInt8) {
        func s(_ i: Int) -> UInt8 { q.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (s(j) & 63, s(j + 4) & 63) }
        return ((s(j + 4) & 0x0F) | ((s(j - 4) >> 6) << 4), (s(j + 4) >> 4) | ((s(j) >> 6) << 4))
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        halfToFloat(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian)
    }
}

/// IEEE 754 binary16 to binary32, exactly (subnormals, infinities and NaN included).
@inline(__always)
public func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x03FF)
    if exponent == 0 {
        if mantissa == 0 { return Float(bitPattern: sign) }
        // Subnormal: value = mantissa * 2^-24.
        let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -magnitude : magnitude
    }
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}
