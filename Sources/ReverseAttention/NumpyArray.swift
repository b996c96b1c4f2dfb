import Foundation

/// A float array read from or written to NumPy's `.npy` format (versions 1.0, 2.0, 3.0):
/// magic `\x93NUMPY`, version, header length, a Python-literal header dict
/// (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }`), then C-order data.
/// rat reads float32 and float64 (either byte order) into float32, as attention is float32.
public struct NumpyArray: Sendable, Equatable {
    /// The array's dimensions, outermost first.
    public var shape: [Int]
    /// Every element in C (row-major) order, as float32.
    public var values: [Float]

    /// An array of `values` with `shape`; the product of `shape` must equal `values.count` (a
    /// precondition).
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        self.shape = shape
        self.values = values
    }

    /// Reads a `.npy` file; every malformation is a `TraceError` naming the file.
    public init(contentsOf url: URL) throws(TraceError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TraceError("\(url.path): cannot read: \(error.localizedDescription)")
        }
        do {
            try self.init(npy: data)
        } catch {
            throw TraceError("\(url.path): \(error.message)")
        }
    }

    /// Parses the bytes of a `.npy` file: float32 or float64 in either byte order, C order only.
    /// Every malformation or unsupported dtype is a ``TraceError`` that says how to fix it.
    public init(npy data: Data) throws(TraceError) {
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw TraceError("not a NumPy .npy file (the file does not start with \\x93NUMPY)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw TraceError("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw TraceError("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else {
            throw TraceError("truncated .npy header: \(headerLength) bytes announced, \(bytes.count - headerStart) present")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let fields = try Self.parseHeader(header)

        let descr = fields.descr
        let littleEndian: Bool
        let width: Int
        switch descr {
        case "<f4", "=f4": (littleEndian, width) = (true, 4)
        case ">f4": (littleEndian, width) = (false, 4)
        case "<f8", "=f8": (littleEndian, width) = (true, 8)
        case ">f8": (littleEndian, width) = (false, 8)
        default:
            throw TraceError("unsupported dtype '\(descr)': rat reads float32 ('<f4') and float64 ('<f8') arrays; convert with arr.astype(numpy.float32)")
        }
        guard !fields.fortranOrder else {
            throw TraceError("array is in Fortran (column-major) order: save it with numpy.ascontiguousarray(arr)")
        }
        var count = 1
        for d in fields.shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { throw TraceError("invalid shape \(fields.shape)") }
            count = p
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        guard count <= available / width else {
            // The product may not fit an Int (that is what this check refuses): say it as a count.
            throw TraceError("truncated .npy data: shape \(fields.shape) needs \(count) values of \(width) bytes, \(available) bytes present")
        }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = dataStart + i * width
                if width == 4 {
                    let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)
                    values[i] = Float(bitPattern: littleEndian ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
                } else {
                    let bits = raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                    values[i] = Float(Double(bitPattern: littleEndian ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits)))
                }
            }
        }
        self.shape = fields.shape
        self.values = values
    }

    /// The header dict's three fields, parsed from its Python literal.
    private static func parseHeader(_ header: String) throws(TraceError) -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func field(_ name: String) -> Substring? {
            guard let r = header.range(of: "'\(name)':") else { return nil }
            return header[r.upperBound...].drop(while: { $0 == " " })
        }
        guard let descrText = field("descr"), descrText.first == "'",
              let end = descrText.dropFirst().firstIndex(of: "'")
        else { throw TraceError("malformed .npy header (no 'descr'): \(header)") }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
        guard let fortranText = field("fortran_order") else {
            throw TraceError("malformed .npy header (no 'fortran_order'): \(header)")
        }
        let fortranOrder: Bool
        if fortranText.hasPrefix("True") { fortranOrder = true } else if fortranText.hasPrefix("False") { fortranOrder = false } else {
            throw TraceError("malformed .npy header ('fortran_order' is not True or False): \(header)")
        }
        guard let shapeText = field("shape"), shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw TraceError("malformed .npy header (no 'shape'): \(header)")
        }
        let inside = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inside.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let d = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), d >= 0 else {
                throw TraceError("malformed .npy header (shape entry '\(t)'): \(header)")
            }
            shape.append(d)
        }
        return (descr, fortranOrder, shape)
    }

    /// The `.npy` 1.0 header of a little-endian float32 array of `shape`: the data follows it,
    /// starting on a 64-byte boundary.
    static func header(shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        return data
    }

    /// The array as `.npy` 1.0 bytes, little-endian float32.
    public func npyData() -> Data {
        var data = Self.header(shape: shape)
        values.withUnsafeBufferPointer { buffer in
            for v in buffer {
                let bits = v.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}
