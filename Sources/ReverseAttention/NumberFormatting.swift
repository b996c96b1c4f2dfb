#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `value` with `digits` decimals, correctly rounded as Python's `f"{x:.4f}"` (both use the
/// exact binary value; C's printf does the same).
public func formatFixed(_ value: Double, digits: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    var buffer = [CChar](repeating: 0, count: 512)
    let written = buffer.withUnsafeMutableBufferPointer { out in
        withVaList([Int32(digits), value]) { vsnprintf(out.baseAddress, out.count, "%.*f", $0) }
    }
    precondition(written > 0 && Int(written) < buffer.count)
    return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
