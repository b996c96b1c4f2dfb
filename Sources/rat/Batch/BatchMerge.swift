import Foundation
import ReverseAttention

/// `rat batch --merge`: the shards' records put back in the input's order, with a report of what
/// is missing (ids no shard traced), repeated (kept once when identical) or conflicting.
struct BatchMerge {
    let input: String
    let shards: [String]
    let output: String

    private struct Location {
        let shard: Int
        let offset: Int
        let length: Int
    }

    func run() throws {
        var locations: [RecordKey: [Location]] = [:]
        for (s, path) in shards.enumerated() {
            let reader = try LineReader(path: path, role: "shard")
            while let line = reader.next() {
                if line.isBlank { continue }
                guard line.terminated else {
                    printError("batch: ignored a partial last line (line \(line.number)) of \(path): resume that shard to complete it")
                    break
                }
                guard let key = BatchRecord.key(of: line.bytes) else {
                    throw TraceError("shard: line \(line.number) of '\(path)' is not a rat batch record")
                }
                locations[key, default: []].append(Location(shard: s, offset: line.offset, length: line.bytes.count))
            }
        }
        let handles = try shards.map { path in
            guard let handle = FileHandle(forReadingAtPath: path) else { throw TraceError("shard: cannot read '\(path)'") }
            return handle
        }
        func bytes(_ l: Location) throws -> Data {
            try handles[l.shard].seek(toOffset: UInt64(l.offset))
            return try handles[l.shard].read(upToCount: l.length) ?? Data()
        }

        let partial = output + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        let appender = try LineAppender(path: partial)
        var missing: [RecordKey] = [], repeated: [RecordKey] = [], conflicting: [RecordKey] = []
        var inputKeys = InputKeys(), written = 0
        try LineReader(path: input, role: "input").forEachRecordLine { _, raw in
            let key = BatchLine(raw).key
            try inputKeys.add(key, line: raw.number)
            guard let found = locations[key] else {
                missing.append(key)
                return
            }
            let first = try bytes(found[0])
            for other in found.dropFirst() {
                if try bytes(other) == first { repeated.append(key) } else { conflicting.append(key) }
            }
            try appender.append(String(decoding: first, as: UTF8.self))
            written += 1
        }
        let strays = locations.keys.filter { !inputKeys.contains($0) }
        guard rename(partial, output) == 0 else {
            throw TraceError("--output: cannot write '\(output)': \(String(cString: strerror(errno)))")
        }
        printError("batch: merged \(written) records from \(shards.count) shards into \(output)")
        func list(_ keys: [RecordKey]) -> String {
            keys.prefix(10).map(\.description).joined(separator: ", ") + (keys.count > 10 ? ", …" : "")
        }
        if !repeated.isEmpty { printError("batch: \(repeated.count) records appear more than once, identically (kept once): \(list(repeated))") }
        if !strays.isEmpty { printError("batch: \(strays.count) records match no input line (left out): \(list(strays.sorted { $0.description < $1.description }))") }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("\(missing.count) input lines have no record: \(list(missing))") }
        if !conflicting.isEmpty { problems.append("\(conflicting.count) records differ between shards (the first kept): \(list(conflicting))") }
        if !problems.isEmpty { throw TraceError("merge incomplete: " + problems.joined(separator: "; ")) }
    }
}
