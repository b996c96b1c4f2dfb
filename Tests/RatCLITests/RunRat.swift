import Foundation
import Testing

/// The built `rat` executable: it sits beside the test bundle in the build folder.
let ratExecutable: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rat")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/release/rat")
}()

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct RatRun {
    let status: Int32
    /// False if the process died of a signal (a crash).
    let exitedNormally: Bool
    let stdout: String
    let stderr: String
}

/// Runs `rat` with arguments; fails the test if it does not finish within `timeout` seconds.
/// Output goes to temporary files, so a large output can never block the child.
/// With `addressSpaceLimitMB`, rat runs under `ulimit -v` (so an unchecked huge allocation fails
/// instead of succeeding lazily).
func runRat(
    _ arguments: [String], timeout: TimeInterval = 120, addressSpaceLimitMB: Int? = nil, environment: [String: String] = [:]
) throws -> RatRun {
    // A sanitizer reserves terabytes of shadow address space, so under `make sanitize` the limit is
    // the sanitizer's own max_allocation_size_mb instead (see scripts/sanitize.sh).
    if let limit = addressSpaceLimitMB, ProcessInfo.processInfo.environment["RAT_SANITIZER"] == nil {
        return try runProgram("/bin/sh", ["-c", "ulimit -v \(limit * 1024) && exec \"$0\" \"$@\"", ratExecutable.path] + arguments,
                              timeout: timeout, environment: environment)
    }
    return try runProgram(ratExecutable.path, arguments, timeout: timeout, environment: environment)
}

/// Runs any program as `runRat` runs rat.
func runProgram(
    _ executable: String, _ arguments: [String], timeout: TimeInterval = 120, environment: [String: String] = [:]
) throws -> RatRun {
    let dir = try temporaryDirectory()
    let outURL = dir.appendingPathComponent("stdout"), errURL = dir.appendingPathComponent("stderr")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    try process.run()
    noteSanitizedProcess(process.processIdentifier, executable, arguments)
    let deadline = Date().addingTimeInterval(timeout * timeoutScale)
    while process.isRunning && Date() < deadline { usleep(2_000) }
    if process.isRunning {
        process.terminate()
        Issue.record("\(executable) \(arguments) did not finish within \(timeout) s")
    }
    process.waitUntilExit()
    defer { try? FileManager.default.removeItem(at: dir) }
    return RatRun(
        status: process.terminationStatus, exitedNormally: process.terminationReason == .exit,
        stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}

/// Under `make sanitize`, each started process's id and command line go to
/// `RAT_SANITIZER_PROCESSES`, so that scripts/sanitize.sh can say which command a report came from.
func noteSanitizedProcess(_ pid: Int32, _ executable: String, _ arguments: [String]) {
    guard let path = ProcessInfo.processInfo.environment["RAT_SANITIZER_PROCESSES"] else { return }
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard fd >= 0 else { return }
    let line = Array("\(pid) \(([executable] + arguments).joined(separator: " "))\n".utf8)
    _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }  // one append: lines never interleave
    close(fd)
}

/// Sanitized builds run several times slower: `RAT_TIMEOUT_SCALE` stretches every deadline.
let timeoutScale = ProcessInfo.processInfo.environment["RAT_TIMEOUT_SCALE"].flatMap(Double.init) ?? 1

/// A fresh temporary directory for one test.
func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
