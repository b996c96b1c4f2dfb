import Foundation

/// Progress of a batch on stderr: on a terminal, a bar redrawn in place with done / total, rate
/// and ETA; otherwise (a log file, a Slurm job's output) one line each time another tenth is done.
final class BatchProgress {
    private let total: Int
    private let interactive: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var lastTenth = 0

    init(total: Int, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.interactive = interactive
    }

    func update(done: Int) {
        guard total > 0 else { return }
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        if interactive {
            guard done == total || Date().timeIntervalSince(lastDraw) >= 0.2 else { return }
            lastDraw = Date()
            let width = 30, filled = width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data(String(
                format: "\r\u{1B}[K[%@] %d/%d  %.2f lines/s  ETA %@", bar, done, total, rate, Self.clock(eta)).utf8))
            if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let tenth = done * 10 / total
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            printError(String(format: "batch: %d/%d (%d%%), %.2f lines/s, ETA %@", done, total, tenth * 10, rate, Self.clock(eta)))
        }
    }

    /// h:mm:ss or m:ss.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
