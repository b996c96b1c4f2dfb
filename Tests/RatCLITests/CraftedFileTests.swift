import Foundation
import Testing

/// Files crafted as an attacker would: each a clear one-line error and a non-zero exit, never a
/// signal (an arithmetic trap) or a hang.
@Suite struct CraftedFileTests {
    static let tinyConfig = repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_tied_f32/config.json")
    static let llamaTokenizer = repositoryRoot.appendingPathComponent("Fixtures/tokenizer/sentencepiece/llama-legacy/tokenizer.json")

    /// A folder with the tiny Qwen2's config.json and a safetensors file whose header is `header`.
    func folder(header: String, declaredLength: UInt64? = nil, config: Data? = nil) throws -> URL {
        let dir = try temporaryDirectory()
        try (config ?? Data(contentsOf: Self.tinyConfig)).write(to: dir.appendingPathComponent("config.json"))
        let json = Data(header.utf8)
        var length = (declaredLength ?? UInt64(json.count)).littleEndian
        var file = Data(bytes: &length, count: 8)
        file += json + Data(count: 64)
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        return dir
    }

    func expectCleanFailure(_ arguments: [String], _ message: String) throws {
        let start = Date()
        let run = try runRat(arguments, timeout: 20, addressSpaceLimitMB: 8192)
        #expect(run.exitedNormally, "\(arguments): killed by a signal")
        #expect(run.status != 0, "\(arguments) should fail")
        #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1, "\(arguments): \(run.stderr)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func safetensorsShapesWhoseProductOverflows() throws {
        for shape in ["[1099511627776, 1099511627776]", "[9223372036854775807, 2]", "[4611686018427387904]", "[-1, 4]"] {
            let dir = try folder(header: #"{"model.embed_tokens.weight": {"dtype": "F32", "shape": \#(shape), "data_offsets": [0, 64]}}"#)
            try expectCleanFailure(["inspect", dir.path], "does not fit the file")
            try expectCleanFailure(["attention", "--model", dir.path, "--ids", "1,2", "--output", dir.appendingPathComponent("a.npy").path],
                                   "does not fit the file")
        }
    }

    @Test func safetensorsOffsetsAndLengthsPastTheEnd() throws {
        let cases: [(String, UInt64?, String)] = [
            (#"{"x": {"dtype": "F32", "shape": [4], "data_offsets": [9223372036854775800, 9223372036854775807]}}"#, nil, "does not fit the file"),
            (#"{"x": {"dtype": "F32", "shape": [16], "data_offsets": [64, 0]}}"#, nil, "does not fit the file"),
            (#"{"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, UInt64(Int64.max), "truncated safetensors file"),
            (#"{"x": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}"#, UInt64.max, "truncated safetensors file"),
        ]
        for (header, length, message) in cases {
            let dir = try folder(header: header, declaredLength: length)
            try expectCleanFailure(["inspect", dir.path], message)
        }
    }

    // MARK: GGUF

    /// A GGUF v3 file: header counts, then `body` (metadata and tensor infos as given).
    func gguf(tensors: UInt64, keys: UInt64, body: Data = Data(), padTo: Int = 4096) throws -> URL {
        var data = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        u32(3); u64(tensors); u64(keys)
        data += body
        if data.count < padTo { data += Data(count: padTo - data.count) }
        let file = try temporaryDirectory().appendingPathComponent("crafted.gguf")
        try data.write(to: file)
        return file
    }

    /// A metadata key `name` followed by `value` (its type tag and payload, raw).
    func key(_ name: String, _ value: Data) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(name.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        return d + Data(name.utf8) + value
    }

    func u32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    func u64(_ v: UInt64) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }

    @Test func ggufCountsAndLengthsBeyondTheFile() throws {
        let string: UInt32 = 8, array: UInt32 = 9, uint64: UInt32 = 10
        let cases: [(URL, String)] = [
            (try gguf(tensors: 1 << 40, keys: 0), "crafted.gguf"),
            (try gguf(tensors: 0, keys: UInt64(Int64.max)), "crafted.gguf"),
            (try gguf(tensors: UInt64.max, keys: UInt64.max), "crafted.gguf"),
            (try gguf(tensors: 0, keys: 1, body: key("general.name", u32(string) + u64(1 << 62))), "crafted.gguf"),
            (try gguf(tensors: 0, keys: 1, body: key("x", u32(array) + u32(uint64) + u64(1 << 40))), "crafted.gguf"),
            (try gguf(tensors: 0, keys: 1, body: key("x", u32(array) + u32(uint64) + u64(.max))), "crafted.gguf"),
            // Arrays of arrays, 100,000 deep.
            (try gguf(tensors: 0, keys: 1, body: key("x", Data((0..<100_000).flatMap { _ in [UInt8](u32(array) + u32(array) + u64(1)) }))), "crafted.gguf"),
            (try gguf(tensors: 0, keys: 1, body: key(String(repeating: "k", count: 100), u32(99))), "crafted.gguf"),
        ]
        for (file, message) in cases {
            try expectCleanFailure(["inspect", file.path], message)
        }
    }

    @Test func ggufTensorDimensionsAndOffsets() throws {
        func tensor(dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0) -> Data {
            var d = Data()
            withUnsafeBytes(of: UInt64(1).littleEndian) { d.append(contentsOf: $0) }
            d += Data("t".utf8)
            withUnsafeBytes(of: UInt32(dims.count).littleEndian) { d.append(contentsOf: $0) }
            for dim in dims { withUnsafeBytes(of: dim.littleEndian) { d.append(contentsOf: $0) } }
            withUnsafeBytes(of: type.littleEndian) { d.append(contentsOf: $0) }
            withUnsafeBytes(of: offset.littleEndian) { d.append(contentsOf: $0) }
            return d
        }
        let cases: [Data] = [
            tensor(dims: [1 << 40, 1 << 40]),
            tensor(dims: [UInt64.max, 2]),
            tensor(dims: [4, 4], offset: UInt64(Int64.max)),
            tensor(dims: [4, 4], type: 1000),
            tensor(dims: Array(repeating: 2, count: 64)),
        ]
        for body in cases {
            try expectCleanFailure(["inspect", try gguf(tensors: 1, keys: 0, body: body).path], "crafted.gguf")
        }
        // A tensor count of 2^32 with n_dims 2^32 - 1 in the first.
        var huge = Data()
        withUnsafeBytes(of: UInt64(1).littleEndian) { huge.append(contentsOf: $0) }
        huge += Data("t".utf8)
        withUnsafeBytes(of: UInt32.max.littleEndian) { huge.append(contentsOf: $0) }
        try expectCleanFailure(["inspect", try gguf(tensors: 1 << 32, keys: 0, body: huge).path], "crafted.gguf")
    }

    // MARK: JSON files

    /// `depth` nested arrays: `[[[...]]]`.
    func nested(_ depth: Int, open: String = "[", close: String = "]") -> Data {
        Data((String(repeating: open, count: depth) + String(repeating: close, count: depth)).utf8)
    }

    @Test func jsonNestedAHundredThousandDeep() throws {
        let dir = try temporaryDirectory()
        let deepArray = nested(100_000), deepObject = nested(100_000, open: "{\"a\":", close: "}")
        for (name, data) in [("array", deepArray), ("object", deepObject)] {
            // config.json beside a valid checkpoint
            let model = try temporaryDirectory()
            try data.write(to: model.appendingPathComponent("config.json"))
            try FileManager.default.copyItem(at: Self.tinyConfig.deletingLastPathComponent().appendingPathComponent("model.safetensors"),
                                             to: model.appendingPathComponent("model.safetensors"))
            try expectCleanFailure(["inspect", model.path], "config.json")
            // tokenizer.json
            let tokenizer = dir.appendingPathComponent("tokenizer-\(name).json")
            try data.write(to: tokenizer)
            try expectCleanFailure(["tokenize", "--tokenizer", tokenizer.path, "--text", "hi"], "tokenizer-\(name).json")
            // a messages file
            let messages = dir.appendingPathComponent("messages-\(name).json")
            try data.write(to: messages)
            let chat = repositoryRoot.appendingPathComponent("Fixtures/chat/templates/chatml.jinja").path
            try expectCleanFailure(["tokenize", "--tokenizer", Self.llamaTokenizer.path, "--chat-template", chat, "--messages", messages.path],
                                   "messages-\(name).json")
            // a safetensors header
            let st = try folder(header: String(decoding: data, as: UTF8.self))
            try expectCleanFailure(["inspect", st.path], "model.safetensors")
        }
    }

    @Test func configWithATrillionLayers() throws {
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.tinyConfig)) as! [String: Any]
        for (key, value) in [("num_hidden_layers", 1_000_000_000_000), ("hidden_size", 1 << 40), ("vocab_size", -5),
                             ("num_attention_heads", 0), ("intermediate_size", Int.max)] as [(String, Int)] {
            var bad = config
            bad[key] = value
            let dir = try folder(header: "{}", config: try JSONSerialization.data(withJSONObject: bad))
            try expectCleanFailure(["inspect", dir.path], dir.lastPathComponent)
        }
    }

    @Test func tokenizerWithHugeIDsAndUnknownMerges() throws {
        let dir = try temporaryDirectory()
        let cases: [(String, String)] = [
            (#"{"model": {"type": "BPE", "vocab": {"a": 1099511627776, "b": 1}, "merges": []}}"#, "1099511627776"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a zz"]}}"#, "zz"),
            (#"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": 1099511627776, "content": "x"}]}"#, "1099511627776"),
            (#"{"model": {"type": "Unigram", "vocab": [["a", 1e308], ["b", -1e400]]}}"#, "tokenizer.json"),
        ]
        for (i, (json, message)) in cases.enumerated() {
            let file = dir.appendingPathComponent("t\(i)").appendingPathComponent("tokenizer.json")
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(json.utf8).write(to: file)
            try expectCleanFailure(["tokenize", "--tokenizer", file.path, "--text", "ab"], message)
        }
    }

    @Test func npyHeaderThatTriesToBePythonCode() throws {
        let dir = try temporaryDirectory()
        func npy(_ header: String, payload: Int = 16) -> Data {
            var padded = header
            while (10 + padded.utf8.count + 1) % 64 != 0 { padded += " " }
            padded += "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            withUnsafeBytes(of: UInt16(padded.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            return data + Data(padded.utf8) + Data(count: payload)
        }
        let cases = [
            "{'descr': __import__('os').system('touch /tmp/rat-pwned'), 'fortran_order': False, 'shape': (2, 2), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2), }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': " + String(repeating: "(", count: 60_000) + ", }",
            "{'descr': '<f4', 'fortran_order': eval('1'), 'shape': (2, 2), }",
        ]
        for (i, header) in cases.enumerated() {
            let file = dir.appendingPathComponent("m\(i).npy")
            try npy(header).write(to: file)
            try expectCleanFailure(["paths", file.path], "m\(i).npy")
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/rat-pwned"))
    }

    // MARK: What the fuzzer found

    /// Every input the fuzzer once crashed on (Fixtures/fuzz/TARGET), replayed through its target
    /// by the plainly built `rat-fuzz`: each must now run to the end.
    @Test func fuzzRegressionInputsRunClean() throws {
        let root = repositoryRoot.appendingPathComponent("Fixtures/fuzz")
        let targets = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "seeds" && !$0.hasPrefix(".") }.sorted()
        #expect(targets.contains("gguf"))
        let binary = ratExecutable.deletingLastPathComponent().appendingPathComponent("rat-fuzz")
        for target in targets {
            let process = Process()
            process.executableURL = binary
            process.arguments = [target, root.appendingPathComponent(target).path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            noteSanitizedProcess(process.processIdentifier, process.executableURL!.path, process.arguments ?? [])
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(target): \(text)")
            #expect(text.contains("rat-fuzz \(target): "), "\(target): \(text)")
        }
        // The first: a GGUF declaring 2^32 - 1 layers allocated a per-layer list before the sizes were checked.
        try expectCleanFailure(["inspect", root.appendingPathComponent("gguf/block-count-4294967295.gguf").path], "implausible model sizes")
        // A .npy whose shape needs more bytes than an Int holds trapped while saying so.
        try expectCleanFailure(["paths", root.appendingPathComponent("npy/shape-bytes-overflow.npy").path], "truncated .npy data")
    }

    // MARK: Memory budget

    /// A pass that cannot fit is refused before it starts, in one line naming what to lower
    /// (`RAT_MEMORY_LIMIT` stands in for a small machine).
    @Test(.enabled(if: haveSmolLM2)) func passesThatCannotFitAreRefusedUpFront() throws {
        let ids = Array(repeating: "504", count: 1500).joined(separator: ",")
        let dir = try temporaryDirectory()
        let cases: [([String], String)] = [
            (["attention", "--model", smolLM2, "--ids", ids, "--agg-heads", "none", "--output", dir.appendingPathComponent("a.npy").path],
             "trace fewer tokens"),
            (["trace", "--model", smolLM2, "--ids", ids, "--explore", "none", "--output", dir.path], "trace fewer tokens"),
        ]
        for (arguments, remedy) in cases {
            let run = try runRat(arguments, timeout: 20, environment: ["RAT_MEMORY_LIMIT": "30M"])
            #expect(run.exitedNormally && run.status != 0, "\(arguments.prefix(1))")
            #expect(run.stderr.contains("this pass needs about") && run.stderr.contains("but 30 MB is available: \(remedy)"), "\(run.stderr)")
            #expect(run.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)
        }
        // With room, the same run goes through.
        let fine = try runRat(cases[1].0, timeout: 60, environment: ["RAT_MEMORY_LIMIT": "4G"])
        #expect(fine.status == 0, "\(fine.stderr)")
        // Kept float32 weights count: SmolLM2's take about 0.5 GB once dequantized, streamed ones a
        // layer's worth.
        let short = Array(repeating: "504", count: 100).joined(separator: ",")
        let cached = try runRat(["trace", "--model", smolLM2, "--ids", short, "--explore", "none", "--weights", "cached", "--output", dir.path],
                                timeout: 20, environment: ["RAT_MEMORY_LIMIT": "200M"])
        #expect(cached.exitedNormally && cached.status != 0)
        #expect(cached.stderr.contains("float32 weights") && cached.stderr.contains("but 200 MB is available: stream the weights (--weights streamed)"),
                "\(cached.stderr)")
        let streamed = try runRat(["trace", "--model", smolLM2, "--ids", short, "--explore", "none", "--weights", "streamed", "--output", dir.path],
                                  timeout: 60, environment: ["RAT_MEMORY_LIMIT": "200M"])
        #expect(streamed.status == 0, "\(streamed.stderr)")
    }
}
