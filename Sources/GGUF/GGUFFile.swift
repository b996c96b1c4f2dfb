/// A parsed GGUF file (v2 or v3): metadata, tensor directory, and the memory-mapped data.
///
/// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count,
/// the metadata key/values, the tensor infos, padding to `general.alignment`, then tensor data.
public final class GGUFFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The GGUF format version: 2 or 3.
    public let version: Int
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// The tensor directory, in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of the data section and of every tensor in it, in bytes: `general.alignment`, or
    /// 32 when the file does not say; always a power of two.
    public let alignment: Int
    /// Byte offset of the data section within the file.
    public let dataOffset: Int
    /// The memory mapping that tensor data is read from in place.
    public let file: MappedFile

    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Maps the file at `path` and parses its header.
    ///
    /// - Throws: ``FileFormatError`` when the file cannot be opened or mapped, is not GGUF v2 or v3,
    ///   or has a truncated or inconsistent header (an unknown type, a misaligned or out-of-bounds
    ///   tensor, a duplicate tensor name).
    public convenience init(path: String) throws(FileFormatError) {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses the header of an already mapped file; tensor data stays in the mapping.
    ///
    /// - Throws: ``FileFormatError`` as ``init(path:)`` does.
    public init(file: MappedFile) throws(FileFormatError) {
        self.file = file
        self.path = file.path
        var reader = ByteReader(bytes: file.bytes, file: file.path)

        try reader.need(4, "magic")
        let magic = Array(file.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else {
            let shown = magic.map { ($0 >= 32 && $0 < 127) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw FileFormatError(file: path, message: "not a GGUF file: magic is \"\(shown)\", expected \"GGUF\"")
        }
        reader.offset = 4
        let version = try reader.read(UInt32.self, "version")
        guard version == 2 || version == 3 else {
            throw FileFormatError(file: path, message: "unsupported GGUF version \(version) (rat reads versions 2 and 3)")
        }
        self.version = Int(version)
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let kvCount = try reader.read(UInt64.self, "metadata count")
        // Each key/value needs at least 8 (key length) + 4 (type) + 1 bytes; each tensor info 8 + 4 + 4 + 8.
        guard kvCount <= UInt64(reader.remaining / 13), tensorCount <= UInt64(reader.remaining / 24) else {
            throw FileFormatError(
                file: path, message: "truncated or corrupt header: \(kvCount) metadata entries and \(tensorCount) tensors cannot fit in \(file.bytes.count) bytes")
        }

        var metadata: [(key: String, value: GGUFValue)] = []
        var metadataIndex: [String: Int] = [:]
        metadata.reserveCapacity(Int(kvCount))
        for i in 0..<Int(kvCount) {
            let key = try reader.readString("metadata key #\(i)")
            let rawType = try reader.read(UInt32.self, "type of metadata \"\(key)\"")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw FileFormatError(file: path, message: "metadata \"\(key)\" has unknown value type \(rawType)")
            }
            let value = try Self.readValue(type, &reader, key: key, depth: 0)
            metadataIndex[key] = metadata.count
            metadata.append((key, value))
        }
        self.metadata = metadata
        self.metadataIndex = metadataIndex

        let alignment = metadataIndex["general.alignment"].flatMap { metadata[$0].value.intValue } ?? 32
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw FileFormatError(file: path, message: "general.alignment \(alignment) is not a power of two")
        }
        self.alignment = alignment

        var infos: [(name: String, dims: [Int], rawType: UInt32, offset: UInt64)] = []
        infos.reserveCapacity(Int(tensorCount))
        for i in 0..<Int(tensorCount) {
            let name = try reader.readString("name of tensor #\(i)")
            let nDims = try reader.read(UInt32.self, "dimension count of tensor \"\(name)\"")
            guard nDims >= 1, nDims <= 4 else {
                throw FileFormatError(file: path, message: "tensor \"\(name)\" has \(nDims) dimensions (GGUF allows 1 to 4)")
            }
            var dims: [Int] = []
            for _ in 0..<Int(nDims) {
                let d = try reader.read(UInt64.self, "dimensions of tensor \"\(name)\"")
                guard d >= 1, d < (1 << 40) else {
                    throw FileFormatError(file: path, message: "tensor \"\(name)\" has an invalid dimension \(d)")
                }
                dims.append(Int(d))
            }
            let rawType = try reader.read(UInt32.self, "type of tensor \"\(name)\"")
            let offset = try reader.read(UInt64.self, "offset of tensor \"\(name)\"")
            infos.append((name, dims, rawType, offset))
        }
        let dataOffset = (reader.offset + alignment - 1) / alignment * alignment
        self.dataOffset = dataOffset

        var tensors: [GGUFTensorInfo] = []
        var tensorIndex: [String: Int] = [:]
        let dataSize = file.bytes.count - dataOffset
        for info in infos {
            guard let type = GGUFTensorType(rawValue: info.rawType) else {
                throw FileFormatError(
                    file: path,
                    message: "tensor \"\(info.name)\" has ggml type \(info.rawType) (\(GGUFTensorType.nameOfUnsupported(info.rawType))), which rat cannot read; supported: \(GGUFTensorType.allCases.map(\.description).joined(separator: ", "))")
            }
            var count = 1
            for d in info.dims {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product < (1 << 48) else {
                    throw FileFormatError(file: path, message: "tensor \"\(info.name)\" has too many elements \(info.dims)")
                }
                count = product
            }
            guard info.dims[0] % type.blockSize == 0 else {
                throw FileFormatError(
                    file: path, message: "tensor \"\(info.name)\" of type \(type) has rows of \(info.dims[0]) elements, not a multiple of its block size \(type.blockSize)")
            }
            let byteCount = count / type.blockSize * type.bytesPerBlock
            guard info.offset % UInt64(alignment) == 0 else {
                throw FileFormatError(file: path, message: "tensor \"\(info.name)\" offset \(info.offset) is not aligned to \(alignment)")
            }
            guard dataSize >= 0, info.offset <= UInt64(dataSize), UInt64(byteCount) <= UInt64(dataSize) - info.offset else {
                throw FileFormatError(
                    file: path,
                    message: "tensor \"\(info.name)\" (\(byteCount) bytes at data offset \(info.offset)) extends past the end of the file (data section holds \(max(dataSize, 0)) bytes): the file is truncated or corrupt")
            }
            if tensorIndex[info.name] != nil {
                throw FileFormatError(file: path, message: "tensor \"\(info.name)\" appears twice")
            }
            tensorIndex[info.name] = tensors.count
            tensors.append(GGUFTensorInfo(
                name: info.name, dimensions: info.dims, type: type,
                offset: dataOffset + Int(info.offset), byteCount: byteCount))
        }
        self.tensors = tensors
        self.tensorIndex = tensorIndex
    }

    private static func readValue(
        _ type: GGUFValueType, _ reader: inout ByteReader, key: String, depth: Int
    ) throws(FileFormatError) -> GGUFValue {
        let what = "value of metadata \"\(key)\""
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what))
        case .int8: return .int8(try reader.read(Int8.self, what))
        case .uint16: return .uint16(try reader.read(UInt16.self, what))
        case .int16: return .int16(try reader.read(Int16.self, what))
        case .uint32: return .uint32(try reader.read(UInt32.self, what))
        case .int32: return .int32(try reader.read(Int32.self, what))
        case .uint64: return .uint64(try reader.read(UInt64.self, what))
        case .int64: return .int64(try reader.read(Int64.self, what))
        case .float32: return .float32(try reader.readFloat(what))
        case .float64: return .float64(try reader.readDouble(what))
        case .bool:
            let b = try reader.read(UInt8.self, what)
            guard b <= 1 else { throw FileFormatError(file: reader.file, message: "metadata \"\(key)\" has invalid bool byte \(b)") }
            return .bool(b == 1)
        case .string: return .string(try reader.readString(what))
        case .array:
            guard depth < 4 else {
                throw FileFormatError(file: reader.file, message: "metadata \"\(key)\" nests arrays too deeply")
            }
            let rawElement = try reader.read(UInt32.self, "element type of metadata \"\(key)\"")
            guard let elementType = GGUFValueType(rawValue: rawElement) else {
                throw FileFormatError(file: reader.file, message: "metadata \"\(key)\" is an array of unknown type \(rawElement)")
            }
            let count = try reader.read(UInt64.self, "length of metadata \"\(key)\"")
            guard count <= UInt64(reader.remaining / elementType.minimumSize) else {
                throw FileFormatError(
                    file: reader.file, message: "truncated: metadata \"\(key)\" claims \(count) elements, more than the \(reader.remaining) bytes left can hold")
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(elementType, &reader, key: key, depth: depth + 1))
            }
            return .array(elementType, values)
        }
    }

    // MARK: Lookup

    /// The metadata value under `key` (`llama.block_count`, say), nil when absent.
    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    /// The directory entry of the tensor called `name`, nil when the file has none.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of a tensor, in place in the mapping.
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<(tensor.offset + tensor.byteCount)])
    }

    /// A required metadata value, or an error naming the key.
    public func require(_ key: String) throws(FileFormatError) -> GGUFValue {
        guard let value = self[key] else {
            throw FileFormatError(file: path, message: "missing metadata \"\(key)\"")
        }
        return value
    }

    /// A required integer metadata value as `Int` (any integer type; a bool reads as 0 or 1).
    ///
    /// - Throws: ``FileFormatError`` when the key is missing, or its value is not an integer or does
    ///   not fit in `Int`.
    public func requireInt(_ key: String) throws(FileFormatError) -> Int {
        guard let v = try require(key).intValue else {
            throw FileFormatError(file: path, message: "metadata \"\(key)\" is not an integer")
        }
        return v
    }

    /// A required array of strings, such as `tokenizer.ggml.tokens`.
    ///
    /// - Throws: ``FileFormatError`` when the key is missing, is not an array, or holds a non-string.
    public func requireStrings(_ key: String) throws(FileFormatError) -> [String] {
        guard let values = try require(key).arrayValue else {
            throw FileFormatError(file: path, message: "metadata \"\(key)\" is not an array")
        }
        var strings: [String] = []
        strings.reserveCapacity(values.count)
        for v in values {
            guard let s = v.stringValue else {
                throw FileFormatError(file: path, message: "metadata \"\(key)\" is not an array of strings")
            }
            strings.append(s)
        }
        return strings
    }
}

/// One tensor's directory entry. `dimensions[0]` is the innermost (fastest-varying) axis,
/// i.e. a PyTorch weight `[out, in]` appears as `[in, out]`.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`blk.0.attn_q.weight`, `token_embd.weight`).
    public let name: String
    /// Sizes of its 1 to 4 axes, innermost first.
    public let dimensions: [Int]
    /// How the elements are stored (float type or quantization).
    public let type: GGUFTensorType
    /// Absolute byte offset in the file.
    public let offset: Int
    /// Size of the tensor's data in bytes: its blocks times the type's bytes per block.
    public let byteCount: Int

    /// The number of elements: the product of `dimensions`.
    public var elementCount: Int { dimensions.reduce(1, *) }
}
