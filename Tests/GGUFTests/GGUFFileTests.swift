import Foundation
import GGUF
import Testing

func write(_ data: Data) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rat-gguf-\(UUID().uuidString).gguf")
    try data.write(to: url)
    return url.path
}

func parse(_ data: Data) -> Result<GGUFFile, FileFormatError> {
    let path: String
    do { path = try write(data) } catch { return .failure(FileFormatError(file: "?", message: "\(error)")) }
    // The mapping outlives the directory entry, so the file can go at once.
    defer { try? FileManager.default.removeItem(atPath: path) }
    do { return .success(try GGUFFile(path: path)) } catch { return .failure(error) }
}

func errorMessage(_ data: Data) -> String? {
    if case .failure(let e) = parse(data) { return e.message }
    return nil
}

/// A small valid file with metadata of every value type and two tensors.
func sampleFile() -> GGUFWriter {
    var w = GGUFWriter()
    w.metadata = [
        ("general.architecture", .string("llama")),
        ("u8", .uint8(200)), ("i8", .int8(-5)), ("u16", .uint16(60000)), ("i16", .int16(-300)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-7)), ("f32", .float32(1.5)), ("yes", .bool(true)),
        ("u64", .uint64(1 << 40)), ("i64", .int64(-(1 << 40))), ("f64", .float64(2.25)),
        ("words", .array(.string, [.string("a"), .string("héllo"), .string("")])),
        ("nested", .array(.array, [.array(.int32, [.int32(1), .int32(2)])])),
        ("empty", .array(.float32, [])),
    ]
    w.tensors = [
        .init(name: "a", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]),
        .init(name: "b.weight", shape: [32], type: .q8_0, bytes: [0, 0x3c] + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }),
    ]
    return w
}

@Suite struct GGUFFileTests {
    @Test func readsEveryValueTypeAndTensor() throws {
        let file = try GGUFFile(path: try write(sampleFile().data()))
        #expect(file.version == 3)
        #expect(file["general.architecture"] == .string("llama"))
        #expect(file["u8"]?.intValue == 200 && file["i8"]?.intValue == -5 && file["u16"]?.intValue == 60000)
        #expect(file["i16"]?.intValue == -300 && file["u32"]?.intValue == 4_000_000_000 && file["i32"]?.intValue == -7)
        #expect(file["f32"]?.doubleValue == 1.5 && file["yes"]?.boolValue == true && file["u64"]?.intValue == 1 << 40)
        #expect(file["i64"]?.intValue == -(1 << 40) && file["f64"]?.doubleValue == 2.25)
        #expect(try file.requireStrings("words") == ["a", "héllo", ""])
        #expect(file["nested"] == .array(.array, [.array(.int32, [.int32(1), .int32(2)])]))
        #expect(file["empty"] == .array(.float32, []))
        #expect(file.metadata.map(\.key).first == "general.architecture")
        let a = try #require(file.tensor(named: "a"))
        #expect(a.dimensions == [3, 2] && a.type == .f32 && a.byteCount == 24 && a.offset % 32 == 0)
        let bytes = file.data(of: a)
        #expect(bytes.loadUnaligned(fromByteOffset: 20, as: Float.self) == 6)
        #expect(file.tensor(named: "b.weight")?.type == .q8_0)
        #expect(file.tensor(named: "missing") == nil)
    }

    /// Every truncation of a valid file is an error, never a crash (padding after the last
    /// tensor's data is optional, so cutting only that is fine).
    @Test func everyTruncationIsAClearError() throws {
        let whole = sampleFile().data()
        let parsed = try GGUFFile(path: try write(whole))
        let end = parsed.tensors.map { $0.offset + $0.byteCount }.max()!
        #expect(end < whole.count)
        #expect(errorMessage(whole.prefix(end)) == nil)
        for length in 0..<end {
            let message = errorMessage(whole.prefix(length))
            #expect(message != nil, "a file cut to \(length) bytes was accepted")
            if let message, length >= 4 {
                #expect(message.contains("truncated") || message.contains("past the end") || message.contains("cannot fit"), "\(length): \(message)")
            }
        }
    }

    @Test func corruptFilesAreClearErrors() throws {
        #expect(errorMessage(Data("GGML\u{3}\0\0\0".utf8))!.contains("not a GGUF file: magic is \"GGML\""))
        #expect(errorMessage(Data())!.contains("truncated"))
        var versioned = sampleFile().data()
        versioned[4] = 9
        #expect(errorMessage(versioned)! == "unsupported GGUF version 9 (rat reads versions 2 and 3)")

        var unknownType = sampleFile()
        unknownType.tensors[0].rawTypeOverride = 23  // IQ4_XS
        #expect(errorMessage(unknownType.data())!.contains("tensor \"a\" has ggml type 23 (IQ4_XS), which rat cannot read"))
        unknownType.tensors[0].rawTypeOverride = 999
        #expect(errorMessage(unknownType.data())!.contains("ggml type 999 (unknown)"))

        // A tensor whose offset points past the end of the file.
        var data = sampleFile().data()
        let file = try GGUFFile(path: try write(data))
        let b = file.tensor(named: "b.weight")!
        // The offset field of the last tensor info sits just before the data section's padding.
        let infoEnd = file.tensors.isEmpty ? 0 : try lastTensorInfoEnd(data)
        data.replaceSubrange((infoEnd - 8)..<infoEnd, with: withUnsafeBytes(of: UInt64(1 << 20).littleEndian) { Data($0) })
        #expect(errorMessage(data)!.contains("tensor \"b.weight\""))
        #expect(errorMessage(data)!.contains("past the end of the file"))
        _ = b

        var misaligned = sampleFile().data()
        misaligned.replaceSubrange((infoEnd - 8)..<infoEnd, with: withUnsafeBytes(of: UInt64(33).littleEndian) { Data($0) })
        #expect(errorMessage(misaligned)!.contains("is not aligned to 32"))

        var duplicate = sampleFile()
        duplicate.tensors[1].name = "a"
        duplicate.tensors[1] = .init(name: "a", shape: [2], floats: [1, 2])
        #expect(errorMessage(duplicate.data())!.contains("tensor \"a\" appears twice"))

        var badRow = sampleFile()
        badRow.tensors[1].shape = [16]
        #expect(errorMessage(badRow.data())!.contains("not a multiple of its block size 32"))

        // Absurd counts are rejected before anything is allocated.
        var absurd = sampleFile().data()
        absurd.replaceSubrange(16..<24, with: withUnsafeBytes(of: UInt64.max.littleEndian) { Data($0) })
        #expect(errorMessage(absurd)!.contains("cannot fit"))

        var badValueType = GGUFWriter()
        badValueType.metadata = [("k", .uint8(1))]
        var raw = badValueType.data()
        raw[24 + 8 + 1] = 77  // the value type after key "k"
        #expect(errorMessage(raw)!.contains("metadata \"k\" has unknown value type 77"))

        var hugeString = GGUFWriter()
        hugeString.metadata = [("k", .string("x"))]
        var s = hugeString.data()
        s.replaceSubrange((24 + 8 + 1 + 4)..<(24 + 8 + 1 + 12), with: withUnsafeBytes(of: UInt64(1 << 50).littleEndian) { Data($0) })
        #expect(errorMessage(s)!.contains("truncated: value of metadata \"k\" claims 1125899906842624 bytes"))
    }

    @Test func aDirectoryOrMissingFileIsAnError() {
        #expect(throws: FileFormatError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        do {
            _ = try GGUFFile(path: "/tmp")
        } catch {
            #expect(error.message.contains("is a directory"))
        }
    }
}

/// Where the tensor-info section of `data` ends (parsed here independently of GGUFFile).
func lastTensorInfoEnd(_ data: Data) throws -> Int {
    let bytes = [UInt8](data)
    func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
    func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
    var p = 8
    let tensorCount = u64(p); p += 8
    let kvCount = u64(p); p += 8
    func skipValue(_ type: Int) {
        switch type {
        case 0, 1, 7: p += 1
        case 2, 3: p += 2
        case 4, 5, 6: p += 4
        case 10, 11, 12: p += 8
        case 8: p += 8 + u64(p)
        case 9:
            let t = u32(p), n = u64(p + 4)
            p += 12
            for _ in 0..<n { skipValue(t) }
        default: fatalError()
        }
    }
    for _ in 0..<kvCount {
        p += 8 + u64(p)
        let t = u32(p); p += 4
        skipValue(t)
    }
    for _ in 0..<tensorCount {
        p += 8 + u64(p)
        let dims = u32(p); p += 4 + 8 * dims + 4 + 8
    }
    return p
}
