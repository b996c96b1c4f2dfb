import Foundation
import Testing

let cacheDirectory: URL = {
    if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
}()
let smolLM2 = cacheDirectory.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
let haveSmolLM2 = FileManager.default.fileExists(atPath: smolLM2) || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"
let gemma3 = cacheDirectory.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf").path
let haveGemma3 = FileManager.default.fileExists(atPath: gemma3) || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

/// Reads a little-endian float32 .npy written by rat (header parsed just enough).
func readNpy(_ path: String) throws -> (shape: [Int], values: [Float]) {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let headerLength = Int(data[8]) | Int(data[9]) << 8
    let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
    let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let values = data[(10 + headerLength)...].withUnsafeBytes { raw in
        (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
    }
    return (shape, values)
}

/// `rat attention` and `rat inspect` end to end.
@Suite struct RuntimeCLITests {
    @Test(.enabled(if: haveSmolLM2)) func attentionFromTextMatchesTransformers() throws {
        let out = try temporaryDirectory().appendingPathComponent("fox.npy").path
        let run = try runRat(["attention", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.",
                              "--layer", "-1", "--output", out])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try readNpy(out)
        // transformers' last-layer mean attention on the same text (tools/paths/make_fixtures.py).
        let reference = try readNpy(repositoryRoot.appendingPathComponent("Examples/fox/attention.npy").path)
        #expect(ours.shape == [10, 10] && reference.shape == [10, 10])
        #expect(zip(ours.values, reference.values).map { abs($0 - $1) }.max()! <= 1e-4)
    }

    @Test func everyLayerPerHeadOfAHuggingFaceFolder() throws {
        let out = try temporaryDirectory().appendingPathComponent("all.npy").path
        let model = repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_untied_bf16_sharded").path
        let run = try runRat(["attention", "--model", model, "--ids", "3,17,42,99", "--layer", "all", "--agg-heads", "none", "--output", out])
        #expect(run.status == 0, "\(run.stderr)")
        let (shape, values) = try readNpy(out)
        #expect(shape == [3, 6, 4, 4])  // layers, heads, seq, seq
        // Every row of every head is a distribution over earlier positions.
        for block in 0..<(3 * 6) {
            for row in 0..<4 {
                let start = block * 16 + row * 4
                #expect(abs(values[start..<(start + 4)].reduce(0, +) - 1) < 1e-5)
            }
        }
    }

    /// Every layer and head of SmolLM2, streamed to the file: averaged over the heads, each layer
    /// is transformers' mean attention (Fixtures/runtime, make_attention_fixtures.py).
    @Test(.enabled(if: haveSmolLM2)) func everyHeadOfEveryLayerMatchesTransformers() throws {
        let out = try temporaryDirectory().appendingPathComponent("heads.npy").path
        let run = try runRat(["attention", "--model", smolLM2, "--text", "The quick brown fox jumps over the lazy dog.",
                              "--layer", "all", "--agg-heads", "none", "--output", out])
        #expect(run.status == 0, "\(run.stderr)")
        let (shape, values) = try readNpy(out)
        #expect(shape == [30, 9, 10, 10])
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/runtime/smollm2_attention.json"))) as! [String: Any]
        let fox = (manifest["texts"] as! [[String: Any]])[1]
        let fixture = try Data(contentsOf: repositoryRoot.appendingPathComponent("Fixtures/runtime/" + (fox["file"] as! String)))
        let reference = fixture.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }.map { Double(UInt16(littleEndian: $0)) / 65535 }
        var worst = 0.0
        for layer in 0..<30 {
            var triangle = layer * 2 * 55  // per layer: the mean triangle, then the max one
            for query in 0..<10 {
                for key in 0...query {
                    let mean = (0..<9).map { Double(values[((layer * 9 + $0) * 10 + query) * 10 + key]) }.reduce(0, +) / 9
                    worst = max(worst, abs(mean - reference[triangle]))
                    triangle += 1
                }
                for key in (query + 1)..<10 { #expect(values[((layer * 9) * 10 + query) * 10 + key] == 0) }
            }
        }
        #expect(worst < 1e-4, "worst difference \(worst)")
    }

    /// `rat attention` writes rows as the pass computes them: every head of every layer at 1,024
    /// tokens (1.1 GB) under an address-space limit of 1 GB that holding the array would exceed.
    @Test(.enabled(if: haveSmolLM2)) func attentionIsWrittenAsItIsComputed() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("all.npy").path
        let ids = (0..<1024).map { String(($0 * 7919 + 13) % 49152) }.joined(separator: ",")
        let run = try runRat(["attention", "--model", smolLM2, "--ids", ids, "--layer", "all", "--agg-heads", "none",
                              "--threads", "1", "--output", out], timeout: 300, addressSpaceLimitMB: 1024)
        #expect(run.status == 0, "\(run.stderr)")
        let bytes = (try FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        #expect(bytes == 128 + 30 * 9 * 1024 * 1024 * 4)
        // Spot checks: the last row of the last layer's last head sums to 1, the first row is [1, 0, …].
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: out))
        defer { try? handle.close() }
        func row(_ index: Int) throws -> [Float] {
            try handle.seek(toOffset: UInt64(128 + index * 1024 * 4))
            let data = try handle.read(upToCount: 1024 * 4) ?? Data()
            return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let last = try row(30 * 9 * 1024 - 1)
        #expect(abs(last.reduce(0, +) - 1) < 1e-4)
        let first = try row((29 * 9 + 8) * 1024)
        #expect(first[0] == 1 && first.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func inspectDescribesTheModel() throws {
        let run = try runRat(["inspect", repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_tied_f32").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("family:        qwen2"))
        #expect(run.stdout.contains("heads:         4 query, 2 key/value, 8 dims each"))
        #expect(run.stdout.contains("tied"))
        #expect(run.stdout.contains("attention:     scale 0.35355338, q/k/v biases"))
        #expect(run.stdout.contains("layer 0-1:     global, rope θ 1,000,000 on 8 dims"))
    }

    /// The block and per-layer spec of a family whose layers differ (Gemma 3: 5 local, 1 global).
    @Test func inspectShowsTheLayerPattern() throws {
        let run = try runRat(["inspect", repositoryRoot.appendingPathComponent("Fixtures/runtime/families/gemma3").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("family:        gemma3"))
        #expect(run.stdout.contains("norm:          RMSNorm (1 + w)"))
        #expect(run.stdout.contains("q/k norm: RMSNorm per head"))
        #expect(run.stdout.contains("layer 0-4:     window 8, rope θ 10,000 on 16 dims"))
        #expect(run.stdout.contains("layer 5:       global, rope θ 1,000,000 on 16 dims, linear scaling ×8"))
    }

    @Test func badInputsFailClearly() throws {
        let tiny = repositoryRoot.appendingPathComponent("Fixtures/runtime/tiny/qwen2_tied_f32").path
        let empty = try temporaryDirectory().path
        let out = try temporaryDirectory().appendingPathComponent("a.npy").path
        let cases: [([String], String)] = [
            (["attention", "--model", "/nonexistent/m.gguf", "--ids", "1", "--output", out], "no such file or folder"),
            (["attention", "--model", "nobody/no-such-model", "--ids", "1", "--output", out], "not in the local HuggingFace cache"),
            (["attention", "--model", empty, "--ids", "1", "--output", out], "no config.json in this folder"),
            (["attention", "--model", tiny, "--ids", "1,2", "--layer", "2", "--output", out], "layer 2 out of range: the model has 2 layers"),
            (["attention", "--model", tiny, "--ids", "1,2", "--layer", "-3", "--output", out], "layer -3 out of range"),
            (["attention", "--model", tiny, "--ids", "1,x", "--output", out], "--ids takes comma-separated integers"),
            (["attention", "--model", tiny, "--ids", "1,500", "--output", out], "token id 500 out of range: the vocabulary has 128 tokens"),
            (["attention", "--model", tiny, "--output", out], "give the input as --text or as --ids"),
            (["attention", "--model", tiny, "--ids", "1", "--layer", "first", "--output", out], "--layer takes an integer or 'all'"),
            (["attention", "--model", tiny, "--ids", "1", "--output", "/proc/nope/a.npy"], "cannot write"),
            (["inspect", "/etc/hostname"], "hostname"),
        ]
        for (arguments, fragment) in cases {
            let run = try runRat(arguments)
            #expect(run.exitedNormally && run.status != 0, "\(arguments)")
            #expect(run.stderr.contains(fragment), "\(arguments): \(run.stderr)")
        }
    }
}
