import Foundation
import ReverseAttention

/// One `rat batch` run over an input file's share (`shard`): read the output to see what is done,
/// check the input's ids, load the model, then trace line by line, appending each record as it
/// is made. Memory does not grow with the number of lines beyond their keys.
struct BatchJob {
    enum Work {
        /// Every line's defaults (its input is replaced by the line's).
        case trace(TraceRequest)
        case generate(GenerateRequest)

        /// The fields a line may carry.
        var allowed: Set<String> {
            switch self {
            case .trace: TraceRequest.optionNames.union(TraceRequest.inputNames).union(["id"])
            case .generate: GenerateRequest.optionNames.union(TraceRequest.inputNames).union(["id"])
            }
        }
    }

    let input: String
    let output: String
    let shard: BatchShard
    let overwrite: Bool
    let work: Work

    func run(modelName: () throws -> String, residency: WeightResidency) throws {
        let started = Date()
        let done = try resume()
        let (total, remaining) = try survey(done: done)
        let skipped = total - remaining
        if skipped > 0 { printError("batch: resuming: \(skipped) of \(total) lines are already in \(output)") }
        guard remaining > 0 else {
            printError("batch: nothing to do: all \(total) lines\(shard == .whole ? "" : " of shard \(shard)") are in \(output)")
            return
        }
        let name = try modelName()
        printError("batch: loading \(name)")
        let tracer = try ReverseAttentionTracer(loading: name, residency: residency)
        let appender = try LineAppender(path: output)
        let progress = BatchProgress(total: remaining)
        var traced = 0, failed = 0
        try LineReader(path: input, role: "input").forEachRecordLine { index, raw in
            guard shard.contains(recordIndex: index) else { return }
            let line = BatchLine(raw)
            if done.contains(line.key) { return }
            let (record, ok) = self.record(line, tracer: tracer)
            try appender.append(record)
            if ok { traced += 1 } else { failed += 1 }
            progress.update(done: traced + failed)
        }
        let verb = if case .generate = work { "generated from" } else { "traced" }
        printError(String(format: "batch: %@ %d line%@, %d error%@%@ in %.1f s: %@", verb, traced, traced == 1 ? "" : "s",
                          failed, failed == 1 ? "" : "s",
                          skipped > 0 ? ", \(skipped) already done" : "", Date().timeIntervalSince(started), output))
    }

    /// The keys already in the output (none with `overwrite`, which empties it). A last line
    /// without its newline was cut short by a kill: it is removed, to be written again.
    func resume() throws -> Set<RecordKey> {
        guard FileManager.default.fileExists(atPath: output) else { return [] }
        if overwrite {
            guard truncate(output, 0) == 0 else { throw TraceError("--output: cannot empty '\(output)': \(String(cString: strerror(errno)))") }
            return []
        }
        var done: Set<RecordKey> = []
        let reader = try LineReader(path: output, role: "--output")
        while let line = reader.next() {
            guard line.terminated else {
                guard truncate(output, off_t(line.offset)) == 0 else {
                    throw TraceError("--output: cannot cut the partial last line of '\(output)': \(String(cString: strerror(errno)))")
                }
                printError("batch: discarded a partial last line (line \(line.number)) of \(output)")
                break
            }
            if line.isBlank { continue }
            guard let key = BatchRecord.key(of: line.bytes) else {
                throw TraceError("--output: line \(line.number) of '\(output)' is not a rat batch record; to start over, add --overwrite")
            }
            done.insert(key)
        }
        return done
    }

    /// Reads the whole input once before any work: duplicate ids are an error named now, not
    /// after hours. Returns this shard's line count and how many of them are not done.
    func survey(done: Set<RecordKey>) throws -> (total: Int, remaining: Int) {
        var keys = InputKeys()
        var total = 0, remaining = 0
        try LineReader(path: input, role: "input").forEachRecordLine { index, raw in
            let key = BatchLine(raw).key
            try keys.add(key, line: raw.number)
            guard shard.contains(recordIndex: index) else { return }
            total += 1
            if !done.contains(key) { remaining += 1 }
        }
        return (total, remaining)
    }

    /// The line's record, and whether it holds a result (not an error).
    func record(_ line: BatchLine, tracer: ReverseAttentionTracer) -> (String, Bool) {
        guard let value = line.value else { return (BatchRecord.error(line.key, line.problem ?? "unreadable line"), false) }
        do {
            let fields = try RequestFields(value: value, body: line.bytes, allowed: work.allowed)
            switch work {
            case .trace(let defaults):
                let (result, warnings) = try tracer.trace(try TraceRequest(fields: fields, defaults: defaults))
                let json = String(decoding: try result.jsonData(pretty: false), as: UTF8.self)
                return (BatchRecord.result(line.key, field: "trace", json: json, warnings: warnings), true)
            case .generate(let defaults):
                let request = try GenerateRequest(fields: fields, defaults: defaults)
                let result = try tracer.generate(request, promptIDs: try request.input.encode(with: tracer.tokenizer).ids)
                let json = String(decoding: try result.jsonData(), as: UTF8.self)
                return (BatchRecord.result(line.key, field: "generation", json: json, warnings: []), true)
            }
        } catch {
            return (BatchRecord.error(line.key, "\(error)"), false)
        }
    }
}
