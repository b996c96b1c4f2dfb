import Foundation

/// Writes GGUF v3 files: metadata and tensors given as raw bytes of their ggml type. rat uses it
/// to make small test models; it writes exactly the layout `GGUFFile` reads.
public struct GGUFWriter {
    /// One tensor to write: its name, shape, ggml type, and data already encoded in that type.
    public struct Tensor {
        /// The tensor's name in the file.
        public var name: String
        /// PyTorch order (`[out, in]`); written innermost first as GGUF wants.
        public var shape: [Int]
        /// The ggml type `bytes` are encoded in, written as the tensor's type.
        public var type: GGUFTensorType
        /// The encoded data, written as given (not checked against `shape` or `type`).
        public var bytes: [UInt8]
        /// Written as the type id instead of `type` (to make files with unknown types).
        public var rawTypeOverride: UInt32? = nil

        /// A tensor whose `bytes` are already in `type`'s encoding; `shape` is in PyTorch order.
        public init(name: String, shape: [Int], type: GGUFTensorType, bytes: [UInt8]) {
            self.name = name
            self.shape = shape
            self.type = type
            self.bytes = bytes
        }

        /// A float32 tensor.
        public init(name: String, shape: [Int], floats: [Float]) {
            precondition(shape.reduce(1, *) == floats.count)
            self.init(name: name, shape: shape, type: .f32, bytes: floats.flatMap { f in
                withUnsafeBytes(of: f.bitPattern.littleEndian) { Array($0) }
            })
        }
    }

    /// Metadata key/value pairs, written in this order.
    public var metadata: [(String, GGUFValue)] = []
    /// Tensors, written in this order, each at an offset that is a multiple of `alignment`.
    public var tensors: [Tensor] = []
    /// Alignment of the data section and of each tensor, in bytes (32 by default). The writer does
    /// not record it: add a `general.alignment` entry to `metadata` when it is not 32.
    public var alignment = 32

    /// An empty writer: no metadata, no tensors, 32-byte alignment.
    public init() {}

    /// The whole GGUF v3 file: header, metadata, tensor directory, then the tensors' data, each
    /// padded to `alignment`.
    public func data() -> Data {
        var out = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        func typeCode(_ v: GGUFValue) -> GGUFValueType {
            switch v {
            case .uint8: .uint8
            case .int8: .int8
            case .uint16: .uint16
            case .int16: .int16
            case .uint32: .uint32
            case .int32: .int32
            case .float32: .float32
            case .bool: .bool
            case .string: .string
            case .array: .array
            case .uint64: .uint64
            case .int64: .int64
            case .float64: .float64
            }
        }
        func value(_ v: GGUFValue) {
            switch v {
            case .uint8(let x): out.append(x)
            case .int8(let x): out.append(UInt8(bitPattern: x))
            case .uint16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .int16(let x): withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            case .uint32(let x): u32(x)
            case .int32(let x): u32(UInt32(bitPattern: x))
            case .float32(let x): u32(x.bitPattern)
            case .bool(let x): out.append(x ? 1 : 0)
            case .string(let s): string(s)
            case .array(let type, let values):
                u32(type.rawValue)
                u64(UInt64(values.count))
                for e in values { value(e) }
            case .uint64(let x): u64(x)
            case .int64(let x): u64(UInt64(bitPattern: x))
            case .float64(let x): u64(x.bitPattern)
            }
        }
        out.append(contentsOf: Array("GGUF".utf8))
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, v) in metadata {
            string(key)
            u32(typeCode(v).rawValue)
            value(v)
        }
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            offsets.append(offset)
            offset += (t.bytes.count + alignment - 1) / alignment * alignment
        }
        for (t, o) in zip(tensors, offsets) {
            string(t.name)
            u32(UInt32(t.shape.count))
            for d in t.shape.reversed() { u64(UInt64(d)) }
            u32(t.rawTypeOverride ?? t.type.rawValue)
            u64(UInt64(o))
        }
        while out.count % alignment != 0 { out.append(0) }
        for t in tensors {
            out.append(contentsOf: t.bytes)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }
}
