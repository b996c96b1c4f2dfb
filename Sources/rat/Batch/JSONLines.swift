import Foundation
import ReverseAttention

/// A file read one line at a time (a JSONL file), never whole: memory is bounded by its longest
/// line. Each line comes with its 1-based number, its byte offset and whether a newline ended it
/// (a writer killed mid-line leaves a last line without one).
final class LineReader {
    struct Line {
        var bytes: [UInt8]
        var number: Int
        var offset: Int
        var terminated: Bool
        var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    }

    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0
    private var number = 0
    private var offset = 0

    init(path: String, role: String) throws {
        guard let file = fopen(path, "r") else {
            throw TraceError("\(role): cannot read '\(path)': \(String(cString: strerror(errno)))")
        }
        var info = stat()
        if fstat(fileno(file), &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            fclose(file)
            throw TraceError("\(role): '\(path)' is a directory, not a JSONL file")
        }
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    func next() -> Line? {
        let count = getline(&buffer, &capacity, file)
        guard count >= 0, let buffer else { return nil }
        number += 1
        let terminated = buffer[count - 1] == 0x0A
        let bytes = UnsafeRawBufferPointer(start: buffer, count: terminated ? count - 1 : count)
        defer { offset += count }
        return Line(bytes: Array(bytes.bindMemory(to: UInt8.self)), number: number, offset: offset, terminated: terminated)
    }
}

extension LineReader {
    /// Each non-blank line with its index among them: a record's index, which shards divide.
    func forEachRecordLine(_ body: (_ index: Int, _ line: Line) throws -> Void) throws {
        var index = 0
        while let line = next() {
            if line.isBlank { continue }
            try body(index, line)
            index += 1
        }
    }
}

/// A JSONL file opened for appending whole lines: each record goes out in one `write` as soon as
/// it is made, so a kill loses at most the line being written (which a resumed run discards).
final class LineAppender {
    private let descriptor: Int32
    let path: String

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TraceError("--output: cannot write '\(path)': \(String(cString: strerror(errno)))") }
        self.path = path
    }

    deinit { close(descriptor) }

    func append(_ line: String) throws {
        var data = Array(line.utf8)
        data.append(0x0A)
        var written = 0
        while written < data.count {
            let n = data[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TraceError("--output: cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}
