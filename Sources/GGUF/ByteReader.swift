/// A bounds-checked little-endian cursor over raw bytes. Every read that would pass the end
/// throws instead of trapping, so a truncated file is an error, never a crash.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int = 0
    let file: String

    var remaining: Int { bytes.count - offset }

    mutating func need(_ count: Int, _ what: @autoclosure () -> String) throws(FileFormatError) {
        guard count >= 0, count <= remaining else {
            throw FileFormatError(
                file: file,
                message: "truncated: \(what()) needs \(count) bytes at offset \(offset), \(max(remaining, 0)) left")
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(FileFormatError) -> T {
        try need(MemoryLayout<T>.size, what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    mutating func readFloat(_ what: @autoclosure () -> String) throws(FileFormatError) -> Float {
        Float(bitPattern: try read(UInt32.self, what()))
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws(FileFormatError) -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A u64-length-prefixed UTF-8 string (invalid UTF-8 is repaired with U+FFFD, as Python's
    /// `errors="replace"` would; GGUF vocabularies are valid UTF-8 in practice).
    mutating func readString(_ what: @autoclosure () -> String) throws(FileFormatError) -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else {
            throw FileFormatError(
                file: file, message: "truncated: \(what()) claims \(length) bytes at offset \(offset), \(remaining) left")
        }
        let count = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return String(decoding: slice, as: UTF8.self)
    }
}
