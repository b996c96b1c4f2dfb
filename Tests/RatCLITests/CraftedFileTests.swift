import Foundation
import Testing

/// Files crafted as an attacker would: each a clear one-line error and a non-zero exit, never a
/// signal (an arithmetic trap) or a hang.
@Suite struct CraftedFileTests {
    static let tinyConfig = repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_tied_f32/config.json")

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
        let run = try runRat(arguments, timeout: 20)
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
}
