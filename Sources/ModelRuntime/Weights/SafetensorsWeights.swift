import Foundation
import GGUF

/// Tensors of a HuggingFace checkpoint: `model.safetensors`, or the shards listed by
/// `model.safetensors.index.json`. Each file: u64 header length, a JSON header
/// `{"name": {"dtype", "shape", "data_offsets": [start, end]}}`, then the data. F32, F16, BF16.
public final class SafetensorsWeights: WeightStore, @unchecked Sendable {
    /// The checkpoint's folder.
    public let path: String
    private struct Entry { let file: MappedFile; let dtype: GGUFTensorType; let shape: [Int]; let offset: Int }
    private var entries: [String: Entry] = [:]

    /// Opens `folder`'s single-file or sharded checkpoint.
    public init(folder: URL) throws(ModelError) {
        path = folder.path
        let single = folder.appendingPathComponent("model.safetensors")
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) {
            try read(single.path)
        } else if FileManager.default.fileExists(atPath: index.path) {
            let map: [String: String]
            do {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: index)) as? [String: Any]
                guard let weightMap = json?["weight_map"] as? [String: String] else { throw ModelError("") }
                map = weightMap
            } catch {
                throw ModelError("\(index.path): not a valid safetensors index (expected a \"weight_map\" object)")
            }
            for shard in Set(map.values).sorted() {
                guard !shard.contains("/") else { throw ModelError("\(index.path): shard name \"\(shard)\" leaves the folder") }
                try read(folder.appendingPathComponent(shard).path)
            }
            for (name, shard) in map where entries[name] == nil {
                throw ModelError("\(index.path): tensor \"\(name)\" is listed in \(shard) but not found there")
            }
        } else {
            throw ModelError("\(folder.path): no model.safetensors or model.safetensors.index.json (rat reads safetensors checkpoints and GGUF files)")
        }
    }

    private func read(_ file: String) throws(ModelError) {
        let mapped: MappedFile
        do { mapped = try MappedFile(path: file) } catch { throw ModelError(error.description) }
        let bytes = mapped.bytes
        guard bytes.count >= 8 else { throw ModelError("\(file): truncated safetensors file (no header)") }
        let headerLength = Int(clamping: UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)))
        guard headerLength <= bytes.count - 8 else {
            throw ModelError("\(file): truncated safetensors file (header of \(headerLength) bytes, file of \(bytes.count))")
        }
        let header: [String: Any]
        do {
            let json = Data(UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)]))
            guard let h = try JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw ModelError("") }
            header = h
        } catch {
            throw ModelError("\(file): the safetensors header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw ModelError("\(file): malformed header entry for tensor \"\(name)\"") }
            let type: GGUFTensorType
            switch dtype {
            case "F32": type = .f32
            case "F16": type = .f16
            case "BF16": type = .bf16
            default: throw ModelError("\(file): tensor \"\(name)\" has dtype \(dtype); rat reads F32, F16 and BF16 checkpoints")
            }
            // Checked arithmetic: a crafted header may declare shapes whose products overflow.
            var count: Int? = 1
            for d in shape {
                guard let c = count, d >= 0 else { count = nil; break }
                let (product, overflow) = c.multipliedReportingOverflow(by: d)
                count = overflow ? nil : product
            }
            let size = count.flatMap { c -> Int? in
                let (bytes, overflow) = c.multipliedReportingOverflow(by: type.bytesPerBlock)
                return overflow ? nil : bytes
            }
            guard let size, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == size,
                  offsets[1] <= bytes.count - dataStart
            else {
                throw ModelError("\(file): tensor \"\(name)\" (shape \(shape), \(dtype), bytes \(offsets)) does not fit the file: truncated or corrupt")
            }
            entries[name] = Entry(file: mapped, dtype: type, shape: shape, offset: dataStart + offsets[0])
        }
    }

    /// Whether any file of the checkpoint has a tensor called `name`.
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The tensor called `name` in whichever shard holds it, read in place; an error names a missing one.
    public func tensor(_ name: String) throws(ModelError) -> WeightTensor {
        guard let e = entries[name] else { throw ModelError("\(path): missing tensor \"\(name)\"") }
        return WeightTensor(name: name, shape: e.shape, type: e.dtype, data: e.file.bytes.baseAddress! + e.offset, owner: e.file, file: e.file.path)
    }
}
