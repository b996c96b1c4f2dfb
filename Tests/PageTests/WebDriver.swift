import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal W3C WebDriver client for Debian's chromedriver + headless Chromium: enough to open a
/// page, run script, click elements, drive the pointer and read the browser's console log.
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let driver: Process
    private let base: URL
    private let session: String

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") || FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium-browser"))
    }

    /// Starts chromedriver on a free port and a headless Chromium session with the network cut off
    /// (with `loopback`, the browser may reach servers on this machine, and nothing else exists here).
    init(loopback: Bool = false) async throws {
        (driver, base) = try await Self.startDriver()
        let binary = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") ? "/usr/bin/chromium" : "/usr/bin/chromium-browser"
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:loggingPrefs": ["browser": "ALL"],
            "goog:chromeOptions": [
                "binary": binary,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1400,900",
                         // No network: every request would go to a proxy that is not there.
                         ] + (loopback ? [] : ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]),
            ],
        ]]]
        do {
            let created = try await Self.request(base.appendingPathComponent("session"), method: "POST", body: capabilities)
            guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
                throw Failure(description: "chromedriver did not create a session: \(created)")
            }
            session = id
        } catch {
            driver.terminate()
            driver.waitUntilExit()
            throw error
        }
        // And tell the page's network stack it is offline.
        if !loopback {
            _ = try await command("goog/cdp/execute", body: ["cmd": "Network.enable", "params": [String: Any]()])
            _ = try await command("goog/cdp/execute", body: ["cmd": "Network.emulateNetworkConditions", "params": [
                "offline": true, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0]])
        }
    }

    /// chromedriver on a random free port, ready. Under a loaded machine (the whole suite on two
    /// cores) it can take long to answer, or the port can be taken: then another port, three tries.
    private static func startDriver() async throws -> (Process, URL) {
        for _ in 0..<3 {
            let port = Int.random(in: 20_000..<60_000)
            let driver = Process()
            driver.executableURL = URL(fileURLWithPath: "/usr/bin/chromedriver")
            driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
            driver.standardOutput = FileHandle.nullDevice
            driver.standardError = FileHandle.nullDevice
            try driver.run()
            let base = URL(string: "http://127.0.0.1:\(port)")!
            for _ in 0..<200 where driver.isRunning {
                if let status = try? await request(base.appendingPathComponent("status"), method: "GET", body: nil),
                   (status["value"] as? [String: Any])?["ready"] as? Bool == true {
                    return (driver, base)
                }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            driver.terminate()
            driver.waitUntilExit()
        }
        throw Failure(description: "chromedriver did not start")
    }

    func quit() async {
        _ = try? await Self.request(base.appendingPathComponent("session/\(session)"), method: "DELETE", body: nil)
        stopDriver()
    }

    private func stopDriver() {
        driver.terminate()
        for _ in 0..<50 where driver.isRunning { usleep(100_000) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        driver.waitUntilExit()  // reaped: Foundation then lets go of the Process
    }

    func open(_ url: URL) async throws {
        _ = try await command("url", body: ["url": url.absoluteString])
    }

    /// Runs `script` (a function body; `arguments` holds the arguments) and returns its value.
    @discardableResult
    func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command("execute/sync", body: ["script": script, "args": arguments])["value"].flatMap { $0 is NSNull ? nil : $0 }
    }

    /// The WebDriver id of the first element matching a CSS selector.
    func element(_ selector: String) async throws -> String {
        let found = try await command("element", body: ["using": "css selector", "value": selector])
        guard let value = found["value"] as? [String: Any], let id = value.values.first as? String else {
            throw Failure(description: "no element matches \(selector)")
        }
        return id
    }

    /// A real click, through the browser's input pipeline.
    func click(_ selector: String) async throws {
        let id = try await element(selector)
        _ = try await command("element/\(id)/click", body: [String: Any]())
    }

    /// Types into an element through the browser's input pipeline (after clearing it when `clear`);
    /// `WebDriver.tab` and `WebDriver.arrowRight` are keys.
    func type(_ selector: String, _ text: String, clear: Bool = true) async throws {
        let id = try await element(selector)
        if clear { _ = try await command("element/\(id)/clear", body: [String: Any]()) }
        _ = try await command("element/\(id)/value", body: ["text": text])
    }

    static let tab = "\u{E004}"
    static let arrowRight = "\u{E014}"

    /// A real click at viewport coordinates.
    func click(at point: (Int, Int)) async throws {
        let actions: [[String: Any]] = [
            ["type": "pointerMove", "duration": 0, "x": point.0, "y": point.1],
            ["type": "pointerDown", "button": 0],
            ["type": "pointerUp", "button": 0],
        ]
        _ = try await command("actions", body: ["actions": [["type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"], "actions": actions]]])
    }

    /// Pointer actions at viewport coordinates (move, down, move, up: a drag).
    func drag(from start: (Int, Int), to end: (Int, Int)) async throws {
        let actions: [[String: Any]] = [
            ["type": "pointerMove", "duration": 0, "x": start.0, "y": start.1],
            ["type": "pointerDown", "button": 0],
            ["type": "pointerMove", "duration": 100, "x": (start.0 + end.0) / 2, "y": (start.1 + end.1) / 2],
            ["type": "pointerMove", "duration": 100, "x": end.0, "y": end.1],
            ["type": "pointerUp", "button": 0],
        ]
        _ = try await command("actions", body: ["actions": [["type": "pointer", "id": "mouse", "parameters": ["pointerType": "mouse"], "actions": actions]]])
    }

    /// Scroll-wheel at viewport coordinates.
    func wheel(at point: (Int, Int), deltaY: Int) async throws {
        _ = try await command("actions", body: ["actions": [["type": "wheel", "id": "wheel", "actions": [
            ["type": "scroll", "x": point.0, "y": point.1, "deltaX": 0, "deltaY": deltaY, "duration": 0],
        ]]]])
    }

    /// The text of an open alert, or nil if none is open.
    func alertText() async -> String? {
        guard let r = try? await command("alert/text", method: "GET") else { return nil }
        return r["value"] as? String
    }

    /// Console messages at level SEVERE (errors, uncaught exceptions, failed loads).
    func consoleErrors() async throws -> [String] {
        let log = try await command("se/log", body: ["type": "browser"])
        return (log["value"] as? [[String: Any]] ?? []).filter { $0["level"] as? String == "SEVERE" }.map { "\($0["message"] ?? "")" }
    }

    private func command(_ path: String, method: String = "POST", body: [String: Any]? = nil) async throws -> [String: Any] {
        try await Self.request(base.appendingPathComponent("session/\(session)/\(path)"), method: method, body: method == "GET" ? nil : (body ?? [:]))
    }

    /// One HTTP/1.1 exchange with chromedriver on the loopback interface, over a plain socket
    /// (swift-corelibs' URLSession fails on chromedriver's replies with "Failed writing header").
    private static func request(_ url: URL, method: String, body: [String: Any]?) async throws -> [String: Any] {
        if ProcessInfo.processInfo.environment["RAT_WEBDRIVER_DEBUG"] != nil { FileHandle.standardError.write(Data("webdriver: \(method) \(url.path)\n".utf8)) }
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        var head = "\(method) \(url.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if body != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
        let reply = try exchange(port: UInt16(url.port ?? 80), Data((head + "\r\n").utf8) + payload)
        guard let split = reply.range(of: Data("\r\n\r\n".utf8)) else {
            throw Failure(description: "WebDriver \(method) \(url.path): malformed reply")
        }
        let status = String(decoding: reply[..<split.lowerBound], as: UTF8.self).split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        let object = (try? JSONSerialization.jsonObject(with: reply[split.upperBound...])) as? [String: Any] ?? [:]
        if status >= 400 || status == 0 {
            let value = object["value"] as? [String: Any]
            throw Failure(description: "WebDriver \(method) \(url.path): \(value?["error"] ?? status): \(value?["message"] ?? "")")
        }
        return object
    }

    private static func exchange(port: UInt16, _ request: Data) throws -> Data {
        try loopbackExchange(port: port, request)
    }
}

/// One HTTP/1.1 request to a port on 127.0.0.1 over a plain socket; returns the raw reply (head
/// and exactly Content-Length bytes of body, or everything until the server closes).
func loopbackExchange(port: UInt16, _ request: Data, timeout: Int = 120) throws -> Data {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw WebDriver.Failure(description: "socket() failed") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw WebDriver.Failure(description: "cannot connect to chromedriver on port \(port)") }
    try request.withUnsafeBytes { raw in
        var sent = 0
        while sent < raw.count {
            let n = send(fd, raw.baseAddress! + sent, raw.count - sent, 0)
            guard n > 0 else { throw WebDriver.Failure(description: "send() failed") }
            sent += n
        }
    }
    // Read the head, then exactly Content-Length bytes (chromedriver keeps connections open).
    var reply = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    var expected: Int? = nil
    while expected.map({ reply.count < $0 }) ?? true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n < 0 { throw WebDriver.Failure(description: "no reply from chromedriver (timeout)") }
        if n == 0 { break }
        reply.append(contentsOf: buffer[0..<n])
        if expected == nil, let split = reply.range(of: Data("\r\n\r\n".utf8)) {
            let head = String(decoding: reply[..<split.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
            expected = length.map { split.upperBound + $0 } ?? Int.max
        }
    }
    return reply
}

/// Runs `body` with a new headless browser and quits the browser afterwards, whether `body`
/// returns or throws.
func withBrowser<T>(loopback: Bool = false, _ body: (WebDriver) async throws -> T) async throws -> T {
    let browser = try await WebDriver(loopback: loopback)
    do {
        let result = try await body(browser)
        await browser.quit()
        return result
    } catch {
        await browser.quit()
        throw error
    }
}
