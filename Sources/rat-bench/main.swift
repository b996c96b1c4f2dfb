import Foundation
import ReverseAttention
#if canImport(Glibc)
import Glibc
#endif

/// Runtime benchmark (`make bench`): load time, time to the last layer's attention, achieved
/// GFLOP/s against measured sgemm throughput, and peak RSS, for rat and, when a reference
/// environment is present, reverse-attention on transformers with the same ids in the same run.
///
///   rat-bench --dequantize          (dequantization throughput over every weight)
///   rat-bench --decode [--prompt 128] [--steps 32]   (KV-cache steps: prefill, then one token a step)
///   rat-bench --versus-llamacpp [--prompt 32] [--new-tokens 128] [--python P]   (rat generate's whole
///       process against llama-cpp-python's in-process generation, same run)
///   rat-bench [--model GGUF|FOLDER] [--sizes 128,512,2048] [--repeat 3] [--reference-python PATH | --no-reference]
///             [--reference-max 2048] [--kept-max 8192]
///
/// Each size runs in a child process so that its peak RSS is its own.

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Deterministic ids spread over the vocabulary (no tokenizer needed).
func benchIDs(_ n: Int, vocabulary: Int) -> [Int] {
    var state: UInt64 = 0x5EED
    return (0..<n).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return 100 + Int((state >> 33) % UInt64(max(vocabulary - 200, 1)))
    }
}

/// FLOPs of a trace to the last layer: every layer's projections, attention (causal, within each
/// layer's window) and MLP, except the last layer's values, attention output, output projection and
/// MLP; no LM head.
func traceFLOPs(_ model: CausalLanguageModel, n: Int) -> Double {
    let c = model.config
    let nd = Double(n), h = Double(c.hiddenSize), q = Double(c.headCount * c.headDim)
    let kv = Double(c.kvHeadCount * c.headDim), inter = Double(c.intermediateSize)
    let queriesAndKeys = 2 * nd * h * (q + kv), values = 2 * nd * h * kv
    let rest = 2 * nd * q * h + 2 * nd * 3 * h * inter
    var total = 0.0
    for (l, layer) in model.architecture.layers.enumerated() {
        // Keys each query sees, summed over the queries: QKᵀ, and PV the same.
        let w = min(layer.window ?? n, n)
        let pairs = Double(w) * Double(w + 1) / 2 + Double(n - w) * Double(w)
        let scores = 2 * Double(c.headCount) * Double(c.headDim) * pairs
        total += queriesAndKeys + scores
        if l < c.layerCount - 1 { total += values + scores + rest }
    }
    return total
}

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let cache = ProcessInfo.processInfo.environment["RAT_CACHE"] ?? (NSHomeDirectory() + "/.cache/rat")
let modelPath = option("--model") ?? cache + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
let repeats = Int(option("--repeat") ?? "3") ?? 3

// Generation-shaped work: a prefill, then one-token steps on the KV cache with the last
// position's logits (weights kept, so the steps time the arithmetic, not the first conversion).
if arguments.contains("--decode") {
    let model = try CausalLanguageModel(path: modelPath, residency: .cached)
    let prompt = Int(option("--prompt") ?? "128") ?? 128, steps = Int(option("--steps") ?? "32") ?? 32
    let ids = benchIDs(prompt + steps, vocabulary: model.config.vocabularySize)
    _ = try model.run(Array(ids.prefix(8)), plan: PassPlan(logits: .lastPosition))  // converts the weights
    let cache = KVCache(for: model, capacity: prompt + steps)
    let prefill = try seconds { _ = try model.run(Array(ids.prefix(prompt)), plan: PassPlan(logits: .lastPosition), cache: cache) }
    let decode = try seconds {
        for p in prompt..<(prompt + steps) { _ = try model.run([ids[p]], plan: PassPlan(logits: .lastPosition), cache: cache) }
    }
    print(String(format: "%@: prefill %d tokens %.3f s; %d steps %.1f ms/token (%.1f tokens/s)", model.architecture.family,
                 prompt, prefill, steps, decode / Double(steps) * 1000, Double(steps) / decode))
    exit(0)
}

// Generation against llama.cpp (llama-cpp-python) in the same run: rat's whole process, load
// included (`rat generate --ids ... --ignore-eos`), against llama.cpp's in-process generation with
// the model already loaded; greedy, 32 prompt ids, 128 tokens, 2 threads.
if arguments.contains("--versus-llamacpp") {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let python = option("--python") ?? ProcessInfo.processInfo.environment["RAT_LLAMACPP_PYTHON"]
        ?? root.deletingLastPathComponent().appendingPathComponent("refenv/bin/python").path
    let model = try CausalLanguageModel(path: modelPath)
    let prompt = Int(option("--prompt") ?? "32") ?? 32, newTokens = Int(option("--new-tokens") ?? "128") ?? 128
    let ids = benchIDs(prompt, vocabulary: model.config.vocabularySize).map(String.init).joined(separator: ",")
    let floor = try BLAS.measuredGFLOPs(size: 2048)
    print("model: \(modelPath) (\(model.architecture.family)); sgemm \(String(format: "%.0f", floor)) GFLOP/s; \(prompt) prompt ids, \(newTokens) tokens, greedy")
    let rat = root.appendingPathComponent(".build/release/rat").path
    var ratIDs: [Int] = []
    for attempt in 0..<2 {  // the first run warms the page cache
        var wall = 0.0
        let output = run(rat, ["generate", "--model", modelPath, "--ids", ids, "--max-new-tokens", String(newTokens), "--ignore-eos",
                               "--threads", "2", "--json"], wall: { wall = $0 })
        guard let object = output, let timings = object["timings"] as? [String: Double] else { print("rat generate failed"); exit(1) }
        ratIDs = object["generated_ids"] as? [Int] ?? []
        if attempt == 1 {
            print(String(format: "rat (whole process, load included): %.2f s for %d tokens = %.1f tokens/s (load %.2f s, prefill %.2f s, decode %.2f s = %.1f tokens/s)",
                         wall, ratIDs.count, Double(ratIDs.count) / wall, timings["load_s"] ?? 0, timings["prefill_s"] ?? 0,
                         timings["decode_s"] ?? 0, timings["tokens_per_s"] ?? 0))
        }
    }
    let script = root.appendingPathComponent("tools/bench/llamacpp_generate.py").path
    if let object = run(python, [script, modelPath, ids, String(newTokens), "2"]), let total = object["total_s"] as? Double, let prefill = object["prefill_s"] as? Double, let decode = object["decode_s"] as? Double
    {
        let theirs = object["ids"] as? [Int] ?? []
        let same = zip(theirs, ratIDs).prefix { $0 == $1 }.count
        print(String(format: "llama.cpp (llama-cpp-python, model preloaded, 2 threads): %.2f s for %d tokens = %.1f tokens/s (prefill %.2f s, decode %.2f s = %.1f tokens/s)",
                     total, theirs.count, Double(theirs.count) / total, prefill, decode, Double(max(theirs.count - 1, 0)) / decode))
        print("the first \(same) of \(theirs.count) tokens are the same (llama.cpp multiplies quantized blocks with quantized activations; rat in float32)")
    } else {
        print("llama.cpp not timed: \(python) has no llama_cpp (pip install llama-cpp-python), or it failed")
    }
    exit(0)
}

// Dequantization throughput: every weight of the model once.
if arguments.contains("--dequantize") {
    let model = try CausalLanguageModel(path: modelPath)
    guard let file = model.gguf else { print("--dequantize reads GGUF files"); exit(0) }
    let weights = GGUFWeights(file)
    var total = 0
    let time = try seconds {
        for info in file.tensors where info.dimensions.count == 2 && info.name != "token_embd.weight" {
            total += try weights.tensor(info.name).floats().count
        }
    }
    print(String(format: "dequantized %d values in %.3f s (%.2f ns each)", total, time, time / Double(total) * 1e9))
    exit(0)
}

// Child: one size, one JSON line.
if let single = option("--single").flatMap(Int.init) {
    var model: CausalLanguageModel!
    let load = try seconds { model = try CausalLanguageModel(path: modelPath) }
    let ids = benchIDs(single, vocabulary: model.config.vocabularySize)
    // The pass of `rat trace` at the last layer with top_k 5: every row's five strongest
    // predecessors (plus the first token, for --sink) in that layer, not its whole matrix.
    let trace = PassPlan(throughLayer: -1, candidates: CandidatePlan(layers: [model.config.layerCount - 1], cap: 6, sinkPositions: [0]))
    // One run as `rat trace` does it: load, one pass (weights streamed through one layer's
    // buffer). Then warm passes with the weights kept (the second pass keeps them), timed as
    // the reference's trace is timed: on a loaded model, median of --repeat; not above --kept-max.
    let first = try seconds { _ = try model.run(ids, plan: trace) }
    let firstRSS = peakRSSMegabytes()
    var result: [String: Double] = ["load_s": load, "first_s": first, "first_rss_mb": firstRSS, "gflop": traceFLOPs(model, n: single) / 1e9]
    if single <= Int(option("--kept-max") ?? "8192") ?? 8192 {
        _ = try model.run(ids, plan: trace)
        var times: [Double] = []
        for _ in 0..<repeats { times.append(try seconds { _ = try model.run(ids, plan: trace) }) }
        result["attention_s"] = times.sorted()[times.count / 2]
        result["peak_rss_mb"] = peakRSSMegabytes()
    }
    print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    exit(0)
}

/// Runs a child and returns the JSON object on its last output line; `wall` receives the time from
/// launch to exit (reading its output included, parsing it not).
func run(_ executable: String, _ args: [String], environment: [String: String]? = nil, wall: ((Double) -> Void)? = nil) -> [String: Any]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = args
    if let environment { process.environment = environment }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    let launched = DispatchTime.now().uptimeNanoseconds
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    wall?(Double(DispatchTime.now().uptimeNanoseconds - launched) / 1e9)
    let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
}

/// The reference keeps every layer's attention (about 20 GB at 4,096 tokens): not run above this.
let referenceLimit = Int(option("--reference-max") ?? "2048") ?? 2048
let sizes = (option("--sizes") ?? "128,512,2048").split(separator: ",").compactMap { Int($0) }
let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let referencePython = arguments.contains("--no-reference") ? nil : option("--reference-python") ?? ProcessInfo.processInfo.environment["RAT_REFERENCE_PYTHON"]
    ?? [root.deletingLastPathComponent().appendingPathComponent("refenv/bin/python").path].first { FileManager.default.isExecutableFile(atPath: $0) }

let model = try CausalLanguageModel(path: modelPath)
let floor = try BLAS.measuredGFLOPs(size: 2048)
print("model: \(modelPath)\n\(model.config)")
print("BLAS: \(BLAS.description)")
print("sgemm (2048³, rows split over \(ProcessInfo.processInfo.activeProcessorCount) threads): \(String(format: "%.0f", floor)) GFLOP/s")
print("reference: \(referencePython.map { "\($0) (reverse-attention on transformers, eager, float32)" } ?? "not found (set RAT_REFERENCE_PYTHON)")")
// When the environment pins OpenBLAS's kernels, rat is also timed with OpenBLAS's own choice.
var unpinned = ProcessInfo.processInfo.environment
let pinned = unpinned.removeValue(forKey: "OPENBLAS_CORETYPE")
if let pinned { print("OPENBLAS_CORETYPE=\(pinned) is set: the last two columns unset it (OpenBLAS chooses kernels for this CPU)") }
print("")
print("| tokens | GFLOP | floor (GFLOP ÷ sgemm) | rat: load + 1 pass | reference: load + trace | speed-up | rat, weights kept | GFLOP/s (% of sgemm) | reference trace | speed-up | rat peak RSS (1 pass / kept) | reference peak RSS |\(pinned == nil ? "" : " rat kept, OpenBLAS's kernels | speed-up |")")
print("|---|---|---|---|---|---|---|---|---|---|---|---|\(pinned == nil ? "" : "---|---|")")
func format(_ value: Double?, _ pattern: String = "%.2f s") -> String { value.map { String(format: pattern, $0) } ?? "–" }
var onePassRows = false
for n in sizes {
    let child = ["--single", String(n), "--model", modelPath, "--repeat", String(repeats)]
    guard let ours = run(here.path, child + (option("--kept-max").map { ["--kept-max", $0] } ?? [])),
          let load = ours["load_s"] as? Double, let first = ours["first_s"] as? Double,
          let firstRSS = ours["first_rss_mb"] as? Double, let gflop = ours["gflop"] as? Double
    else { print("| \(n) | failed |"); continue }
    // Above --kept-max only the first pass ran: its speed stands in for the warm one's.
    let kept = ours["attention_s"] as? Double, time = kept ?? first
    let rss = (ours["peak_rss_mb"] as? Double).map { String(format: "%.0f", $0) } ?? "–"
    let ownKernels = pinned == nil ? nil : run(here.path, child, environment: unpinned)?["attention_s"] as? Double
    var referenceTrace: Double?, referenceLoad: Double?, referenceRSS: Double?, referenceFailure: String?
    if let python = referencePython, n <= referenceLimit {
        let idsFile = FileManager.default.temporaryDirectory.appendingPathComponent("rat-bench-ids-\(n).txt")
        try benchIDs(n, vocabulary: model.config.vocabularySize).map(String.init).joined(separator: ",").write(to: idsFile, atomically: true, encoding: .utf8)
        let r = run(python, [root.appendingPathComponent("tools/bench/reference_attention.py").path, "--model", modelPath,
                             "--ids", idsFile.path, "--repeat", String(repeats)])
        referenceTrace = r?["trace_s"] as? Double
        referenceLoad = r?["load_s"] as? Double
        referenceRSS = r?["peak_rss_mb"] as? Double
        referenceFailure = (r?["error"] as? String).map { "failed: \($0.prefix(40))" }
    }
    let referenceOneRun = referenceTrace.flatMap { t in referenceLoad.map { t + $0 } }
    if kept == nil { onePassRows = true }
    var row = [String(n), String(format: "%.0f", gflop), format(gflop / floor), format(load + first),
               referenceFailure ?? format(referenceOneRun), format(referenceOneRun.map { $0 / (load + first) }, "%.1fx"),
               format(kept), String(format: "%.0f (%.0f%%)%@", gflop / time, 100 * gflop / time / floor, kept == nil ? " ¹" : ""),
               referenceFailure ?? format(referenceTrace), format(referenceTrace.map { $0 / time }, "%.1fx"),
               String(format: "%.0f / %@ MB", firstRSS, rss), format(referenceRSS, "%.0f MB")]
    if pinned != nil { row += [format(ownKernels), format(referenceTrace.flatMap { t in ownKernels.map { t / $0 } }, "%.1fx")] }
    print("| " + row.joined(separator: " | ") + " |")
}
if onePassRows { print("\n¹ above --kept-max (\(option("--kept-max") ?? "8192") tokens) only the first pass runs (weights streamed): its speed is shown.") }
