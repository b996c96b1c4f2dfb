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

/// One tokenizer to time: how rat loads it, and the tokenizer.json HF `tokenizers` loads for
/// the same vocabulary (for a GGUF, the one transformers' GGUF loader converts it to).
struct Subject {
    let name: String
    let load: () throws -> Tokenizer
    let huggingFaceJSON: URL?
}

/// Runs a Python script (`python -c`) and returns its standard output, or nil when it cannot run
/// or fails. HF's side runs on one thread, as rat's does.
func runPython(_ script: String, _ arguments: [String]) -> Data? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script] + arguments
    var penv = env
    penv["TOKENIZERS_PARALLELISM"] = "false"
    penv["RAYON_NUM_THREADS"] = "1"
    process.environment = penv
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? data : nil
}

/// transformers' conversion of a GGUF tokenizer, saved once under the cache (it takes ~20 s).
func convertedJSON(_ gguf: URL, name: String) -> URL? {
    let out = cache.appendingPathComponent("bench/\(name)-tokenizer.json")
    if FileManager.default.fileExists(atPath: out.path) { return out }
    try? FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
    let script = """
        import os, sys, tempfile
        from transformers import AutoTokenizer
        with tempfile.TemporaryDirectory() as d:
            os.symlink(sys.argv[1], os.path.join(d, os.path.basename(sys.argv[1])))
            tok = AutoTokenizer.from_pretrained(d, gguf_file=os.path.basename(sys.argv[1]))
            tok.backend_tokenizer.save(sys.argv[2])
        """
    return runPython(script, [gguf.path, out.path]) != nil ? out : nil
}

let gemma = cache.appendingPathComponent("models/gemma-3-270m-q4_k_m.gguf")
var subjects = [
    Subject(name: "Qwen2 tokenizer.json", load: { try Tokenizer(folder: qwen2) }, huggingFaceJSON: qwen2.appendingPathComponent("tokenizer.json")),
    Subject(name: "SmolLM2 GGUF", load: { try Tokenizer(gguf: GGUFFile(path: gguf.path)) }, huggingFaceJSON: convertedJSON(gguf, name: "smollm2")),
]
if FileManager.default.fileExists(atPath: gemma.path) {
    subjects.append(Subject(name: "Gemma 3 GGUF", load: { try Tokenizer(gguf: GGUFFile(path: gemma.path)) }, huggingFaceJSON: convertedJSON(gemma, name: "gemma3")))
}

// Encode: the whole text in one call, and line by line (a fresh word cache per call).
func best(_ runs: Int, _ body: () -> Void) -> Double {
    var t = Double.infinity
    for _ in 0..<runs {
        let t0 = now()
        body()
        t = min(t, now() - t0)
    }
    return t
}
let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

struct Timing { let load: Double; let encode: Double; let lines: Double; let count: Int; let checksum: Int }
var ours: [Timing] = []
print("rat (Swift, one core):")
for subject in subjects {
    var loads: [Double] = []
    var tokenizer: Tokenizer! = nil
    for _ in 0..<5 {
        let t0 = now()
        tokenizer = try subject.load()
        loads.append(now() - t0)
    }
    var ids: [Int] = []
    let encode = best(3) { ids = tokenizer.encode(text) }
    let perLine = best(3) {
        var n = 0
        for line in lines { n &+= tokenizer.encode(line).count }
        if n < 0 { print(n) }
    }
    let t = Timing(load: median(loads), encode: encode, lines: perLine, count: ids.count, checksum: checksum(ids))
    ours.append(t)
    print(subject.name.padding(toLength: 22, withPad: " ", startingAt: 0)
        + String(format: " load %.3f s (median of 5)   encode %6.2f MB/s one call, %6.2f MB/s per line", t.load, megabytes / t.encode, megabytes / t.lines)
        + " (\(t.count) tokens, checksum \(t.checksum))")
}

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
print("HuggingFace tokenizers 1 thread (Rust via Python, TOKENIZERS_PARALLELISM=false, RAYON_NUM_THREADS=1):")
for (subject, mine) in zip(subjects, ours) {
    let label = subject.name.padding(toLength: 22, withPad: " ", startingAt: 0)
    guard let json = subject.huggingFaceJSON else {
        print("\(label) skipped (no converted tokenizer.json: needs transformers in \(python))")
        continue
    }
    guard let data = runPython(script, [textFile.path, json.path]),
        let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
        let load = obj["load"] as? Double, let encode = obj["encode"] as? Double, let linesTime = obj["lines"] as? Double,
        let count = obj["count"] as? Int, let sum = obj["checksum"] as? Int
    else {
        print("\(label) failed or skipped (\(python) could not run the timing)")
        continue
    }
    print(label + String(format: " load %.3f s (median of 5)   encode %6.2f MB/s one call, %6.2f MB/s per line", load, megabytes / encode, megabytes / linesTime)
        + " (\(count) tokens, checksum \(sum))  "
        + (count == mine.count && sum == mine.checksum ? "ids identical to rat's" : "ids DIFFER from rat's")
        + String(format: "; rat %.1fx faster one call, %.1fx per line", encode / mine.encode, linesTime / mine.lines))
}

// Chat templates: Qwen2's (tools, namespace, loops) on a four-message conversation, after the
// first render (which parses), beside transformers' apply_chat_template(tokenize=False).
let conversation = Conversation([
    ChatMessage(role: "system", content: "You are a terse geography tutor."),
    ChatMessage(role: "user", content: "Name a river in Paris."),
    ChatMessage(role: "assistant", content: "The Seine."),
    ChatMessage(role: "user", content: "How long is it?"),
])
let qwenTokenizer = try Tokenizer(folder: qwen2)
_ = try qwenTokenizer.applyChatTemplate(conversation)
let renders = 2000
let renderStart = now()
for _ in 0..<renders { _ = try qwenTokenizer.applyChatTemplate(conversation) }
let renderTime = (now() - renderStart) / Double(renders)
let templateScript = """
import sys, time
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1])
m = [{"role": "system", "content": "You are a terse geography tutor."}, {"role": "user", "content": "Name a river in Paris."},
     {"role": "assistant", "content": "The Seine."}, {"role": "user", "content": "How long is it?"}]
tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True)
t0 = time.perf_counter()
for _ in range(500): tok.apply_chat_template(m, tokenize=False, add_generation_prompt=True)
print((time.perf_counter() - t0) / 500)
"""
let hfRender = runPython(templateScript, [qwen2.path]).flatMap {
    Double(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}
print(String(format: "chat template (Qwen2's, 4 messages, rendered): rat %.3f ms", renderTime * 1000)
    + (hfRender.map { String(format: ", transformers apply_chat_template %.3f ms (%.1fx)", $0 * 1000, $0 / renderTime) } ?? ", transformers not timed"))
