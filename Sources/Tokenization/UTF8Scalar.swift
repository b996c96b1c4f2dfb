/// One Unicode scalar read from valid UTF-8 bytes (text that came from a Swift `String`), without
/// building a String: the scanners of the tokenizer walk bytes, and need the scalar and its length.
enum UTF8Scalar {
    /// The byte length of the scalar that starts with `lead`.
    @inline(__always)
    static func length(_ lead: UInt8) -> Int { lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2 }

    /// The scalar at `i` and its byte length (cut short at the end of `bytes`).
    @inline(__always)
    static func decode<C: Collection>(_ bytes: C, at i: Int) -> (value: UInt32, length: Int) where C.Element == UInt8, C.Index == Int {
        let lead = bytes[i]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let full = length(lead)
        let n = min(full, bytes.endIndex - i)
        var v = UInt32(lead & (full == 4 ? 0x07 : full == 3 ? 0x0F : 0x1F))
        for k in 1..<max(n, 1) { v = (v << 6) | UInt32(bytes[i + k] & 0x3F) }
        return (v, max(n, 1))
    }
}
