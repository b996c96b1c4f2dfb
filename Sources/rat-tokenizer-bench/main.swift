// rat-tokenizer-bench: load time and encode throughput of the tokenizers rat reads, with
// HuggingFace `tokenizers` timed in the same run on the same text (when a Python with it is found).
//
//   swift run -c release rat-tokenizer-bench [TEXT_FILE ...]
//
// Environment: RAT_CACHE (default ~/.cache/rat), RAT_REF_PYTHON (default /work/refenv/bin/python).
// Without TEXT_FILE the text is every file in /usr/share/common-licenses (English prose).
// Not a pass/fail test: it prints numbers.
import Foundation
import GGUF
import Tokenization

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

/// A checksum of an id sequence that the Python side computes the same way.
func checksum(_ ids: [Int]) -> Int {
    var h = 0
    for (i, id) in ids.enumerated() { h = (h &* 1_000_003 &+ (i + 1) &* (id + 7)) & 0x1F_FFFF_FFFF_FFFF }
    return h
}

let env = ProcessInfo.processInfo.environment
let cache = URL(fileURLWithPath: env["RAT_CACHE"] ?? (NSHomeDirectory() + "/.cache/rat"))
let qwen2 = cache.appendingPathComponent("tokenizers/qwen2")
let gguf = cache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf")
let python = env["RAT_REF_PYTHON"] ?? "/work/refenv/bin/python"

var files = Array(CommandLine.arguments.dropFirst())
if files.isEmpty {
    let dir = "/usr/share/common-licenses"
    files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
        .filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: $0)) == nil }
}
let text = files.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.map { $0 + "\n" }.joined()
let textFile = FileManager.default.temporaryDirectory.appendingPathComponent("rat-tokenizer-bench-\(getpid()).txt")
try text.write(to: textFile, atomically: true, encoding: .utf8)
defer { try? FileManager.default.removeItem(at: textFile) }
let megabytes = Double(text.utf8.count) / 1e6
print("text: \(files.count) files, " + String(format: "%.2f MB", megabytes))

// Load times (median of 5).
var qwenLoads: [Double] = []
var qwen: Tokenizer! = nil
for _ in 0..<5 {
    let t0 = now()
    qwen = try Tokenizer(folder: qwen2)
    qwenLoads.append(now() - t0)
}
var smolLoads: [Double] = []
var smol: Tokenizer! = nil
for _ in 0..<5 {
    let t0 = now()
    smol = try Tokenizer(gguf: GGUFFile(path: gguf.path))
    smolLoads.append(now() - t0)
}

// Encode: the whole text in one call, and line by line (a fresh word cache per call).
struct EncodeResult { let seconds: Double; let ids: [Int] }
func timeEncode(_ t: Tokenizer, _ text: String) -> EncodeResult {
    var best = Double.infinity
    var ids: [Int] = []
    for _ in 0..<3 {
        let t0 = now()
        ids = t.encode(text)
        best = min(best, now() - t0)
    }
    return EncodeResult(seconds: best, ids: ids)
}
let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
func timeLines(_ t: Tokenizer, _ lines: [String]) -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        let t0 = now()
        var n = 0
        for line in lines { n &+= t.encode(line).count }
        best = min(best, now() - t0)
        if n < 0 { print(n) }
    }
    return best
}
let qwenEncode = timeEncode(qwen, text)
let smolEncode = timeEncode(smol, text)
let qwenLines = timeLines(qwen, lines)

print("rat (Swift, one core):")
print(String(format: "  Qwen2 tokenizer.json load   %.3f s (median of 5)", median(qwenLoads)))
print(String(format: "  SmolLM2 GGUF load           %.3f s (median of 5, includes parsing the GGUF header)", median(smolLoads)))
print(String(format: "  Qwen2 encode, one call      %.2f MB/s", megabytes / qwenEncode.seconds) + " (\(qwenEncode.ids.count) tokens, checksum \(checksum(qwenEncode.ids)))")
print(String(format: "  Qwen2 encode, per line      %.2f MB/s", megabytes / qwenLines) + " (\(lines.count) lines)")
print(String(format: "  SmolLM2 encode, one call    %.2f MB/s", megabytes / smolEncode.seconds) + " (\(smolEncode.ids.count) tokens, checksum \(checksum(smolEncode.ids)))")

// The same with HuggingFace tokenizers.
let script = """
import json, sys, time
from tokenizers import Tokenizer
text = open(sys.argv[1], encoding="utf-8").read()
def checksum(ids):
    h = 0
    for i, x in enumerate(ids):
        h = (h * 1000003 + (i + 1) * (x + 7)) & 0x1FFFFFFFFFFFFF
    return h
loads = []
for _ in range(5):
    t0 = time.perf_counter(); tok = Tokenizer.from_file(sys.argv[2]); loads.append(time.perf_counter() - t0)
best = 1e9
for _ in range(3):
    t0 = time.perf_counter(); ids = tok.encode(text).ids; best = min(best, time.perf_counter() - t0)
lines = text.split("\\n")
best_lines = 1e9
for _ in range(3):
    t0 = time.perf_counter()
    for line in lines: tok.encode(line)
    best_lines = min(best_lines, time.perf_counter() - t0)
print(json.dumps({"load": sorted(loads)[2], "encode": best, "lines": best_lines, "count": len(ids), "checksum": checksum(ids)}))
"""
let process = Process()
process.executableURL = URL(fileURLWithPath: python)
process.arguments = ["-c", script, textFile.path, qwen2.appendingPathComponent("tokenizer.json").path]
var penv = env
penv["TOKENIZERS_PARALLELISM"] = "false"
penv["RAYON_NUM_THREADS"] = "1"
process.environment = penv
let pipe = Pipe()
process.standardOutput = pipe
do {
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus == 0,
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let load = obj["load"] as? Double, let encode = obj["encode"] as? Double, let linesTime = obj["lines"] as? Double,
        let count = obj["count"] as? Int, let sum = obj["checksum"] as? Int
    {
        print("HuggingFace tokenizers (Rust via Python, TOKENIZERS_PARALLELISM=false):")
        print(String(format: "  Qwen2 tokenizer.json load   %.3f s (median of 5)", load))
        print(String(format: "  Qwen2 encode, one call      %.2f MB/s", megabytes / encode) + " (\(count) tokens, checksum \(sum))")
        print(String(format: "  Qwen2 encode, per line      %.2f MB/s", megabytes / linesTime))
        print(count == qwenEncode.ids.count && sum == checksum(qwenEncode.ids) ? "ids: identical to HF" : "ids: DIFFER from HF")
    } else {
        print("HuggingFace timing failed (\(python) exit \(process.terminationStatus))")
    }
} catch {
    print("HuggingFace timing skipped: cannot run \(python) (\(error))")
}
