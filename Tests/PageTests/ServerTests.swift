import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A `rat serve` process on a free port of 127.0.0.1, stopped with SIGINT.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: UInt16
    private let errURL: URL

    init(_ extra: [String] = []) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        errURL = dir.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = ratExecutable
        process.arguments = ["serve", "--model", smolLM2, "--port", "0"] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let errURL = self.errURL
        func stderr() -> String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }
        var found: UInt16?
        for _ in 0..<600 where found == nil {
            let text = stderr()
            if let range = text.range(of: "listening on http://") {
                let address = text[range.upperBound...].prefix { $0 != " " && $0 != "\n" }
                found = address.split(separator: ":").last.flatMap { UInt16($0) }
            } else if !process.isRunning {
                break
            } else {
                usleep(50_000)
            }
        }
        guard let found else {
            process.terminate()
            throw WebDriver.Failure(description: "rat serve did not start: \(stderr())")
        }
        port = found
    }

    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Ctrl-C, then waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
        for _ in 0..<200 where process.isRunning { usleep(50_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate() } }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, timeout: Int = 120) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let reply = try loopbackExchange(port: port, Data((head + "\r\n").utf8) + (body ?? Data()), timeout: timeout)
        guard let split = reply.range(of: Data("\r\n\r\n".utf8)) else { throw WebDriver.Failure(description: "malformed reply") }
        let lines = String(decoding: reply[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines.first?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(reply[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = Self.dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    func post(_ path: String, _ json: String, timeout: Int = 120) throws -> Reply {
        try request("POST", path, body: Data(json.utf8), timeout: timeout)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data(), rest = data[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            guard let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self), radix: 16), size > 0 else { break }
            let start = line.upperBound
            out += rest[start..<min(start + size, rest.endIndex)]
            rest = rest[min(start + size + 2, rest.endIndex)...]
        }
        return out
    }

    /// Server-sent events of a body: (event, data) pairs.
    static func events(_ body: String) -> [(name: String, data: String)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            var name = "message", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            return data.isEmpty ? nil : (name, data)
        }
    }
}

/// `rat serve` over loopback: every endpoint against the CLI, errors, concurrency, shutdown, and
/// the served page in a real browser.
@Suite(.serialized, .enabled(if: haveSmolLM2, "needs the SmolLM2 GGUF"))
struct ServerTests {
    static let fox = "The quick brown fox jumps over the lazy dog."

    @Test func endpointsAnswerAsTheCLI() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-serve-cli-\(UUID().uuidString)").path

        let health = try server.request("GET", "/healthz")
        #expect(health.status == 200 && health.json["status"] as? String == "ok")

        // /api/trace: the bytes rat trace --json prints, for text, ids and a conversation, with options.
        let cases: [(String, [String])] = [
            (#"{"text": "\#(Self.fox)"}"#, ["--text", Self.fox]),
            (#"{"text": "\#(Self.fox)", "target_pos": 6, "layer": 12, "agg_heads": "max", "top_k": 7, "top_beam": 3, "min_attn": 0.01, "length_norm": "pow:0.7", "search": "exact"}"#,
             ["--text", Self.fox, "--target-pos", "6", "--layer", "12", "--agg-heads", "max", "--top-k", "7", "--top-beam", "3",
              "--min-attn", "0.01", "--length-norm", "pow:0.7", "--search", "exact"]),
            (#"{"ids": [504, 2365, 6354, 16438, 1, 27003], "stop_at_bos": false}"#, ["--ids", "504,2365,6354,16438,1,27003", "--no-stop-at-bos"]),
            (#"{"text": "\#(Self.fox)", "layer": 12, "across_layers": true, "verify": true, "verify_baseline": 2, "verify_seed": 7}"#,
             ["--text", Self.fox, "--layer", "12", "--across-layers", "--verify", "--verify-baseline", "2", "--verify-seed", "7"]),
            (#"{"text": "\#(Self.fox)", "weighting": "value-norm", "sink": "renorm"}"#, ["--text", Self.fox, "--weighting", "value-norm", "--sink", "renorm"]),
        ]
        for (body, arguments) in cases {
            let reply = try server.post("/api/trace", body)
            #expect(reply.status == 200, "\(body): \(reply.text)")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            let cli = try rat(["trace", "--model", smolLM2, "--json", "--explore", "none", "--output", dir] + arguments)
            #expect(reply.text == cli, "\(body)")
        }
        let messages = #"[{"role": "user", "content": "What is the capital of France?"}]"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rat-chat-\(UUID().uuidString).json")
        try Data(messages.utf8).write(to: file)
        let chat = try server.post("/api/trace", #"{"messages": \#(messages)}"#)
        #expect(chat.text == (try rat(["trace", "--model", smolLM2, "--json", "--explore", "none", "--output", dir, "--messages", file.path])))

        // With the explorer: trace.json as the CLI prints it (same pass), plus the page's rows.
        let explored = try server.post("/api/trace", #"{"text": "\#(Self.fox)", "explore": "all"}"#)
        var withoutRows = explored.json
        let explore = try #require(withoutRows.removeValue(forKey: "explore") as? [String: Any])
        #expect(explore["layers"] as? [Int] == Array(0..<30) && explore["seq_len"] as? Int == 10)
        let cliExplored = try JSONSerialization.jsonObject(with: Data(try rat(["trace", "--model", smolLM2, "--json", "--output", dir, "--text", Self.fox]).utf8))
        #expect(NSDictionary(dictionary: withoutRows).isEqual(to: cliExplored as! [String: Any]))

        // /api/tokenize: as rat tokenize --json.
        let tokens = try server.post("/api/tokenize", #"{"text": "\#(Self.fox)"}"#)
        #expect(tokens.text == (try rat(["tokenize", "--model", smolLM2, "--text", Self.fox, "--json"])))
        let chatTokens = try server.post("/api/tokenize", #"{"messages": \#(messages)}"#)
        #expect(chatTokens.text == (try rat(["tokenize", "--model", smolLM2, "--messages", file.path, "--json"])))

        // /api/model: rat inspect's entries.
        let model = try server.request("GET", "/api/model").json
        let inspect = try rat(["inspect", smolLM2])
        #expect(model["layers"] as? String == "30" && model["chat_template"] as? Bool == true && model["path"] as? String == smolLM2)
        #expect(inspect.contains("family:        \(model["family"] as? String ?? "?")"))
        #expect(inspect.contains("tensor types:  \(model["tensor types"] as? String ?? "?")"))

        // The page: the explorer with the text box, its assets inline.
        let page = try server.request("GET", "/")
        #expect(page.status == 200 && page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.text.contains("id=\"live-text\"") && page.text.contains("id=\"live-chat\"") && page.text.contains("\"explore\":"))
        #expect(!page.text.contains("<script src") && !page.text.contains("<link"))
        #expect(page.headers["access-control-allow-origin"] == nil)
    }

    @Test func generationStreamsTokensThenTheRecord() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let reply = try server.post("/api/generate", #"{"text": "The quick brown fox", "max_new_tokens": 8, "ignore_eos": true}"#)
        #expect(reply.status == 200 && reply.headers["content-type"]?.hasPrefix("text/event-stream") == true)
        let events = ServerProcess.events(reply.text)
        let tokens = events.filter { $0.name == "token" }
        #expect(tokens.count == 8)
        let done = try #require(events.last { $0.name == "done" })
        let record = try #require(try JSONSerialization.jsonObject(with: Data(done.data.utf8)) as? [String: Any])
        let cli = try JSONSerialization.jsonObject(with: Data(try rat(["generate", "--model", smolLM2, "--prompt", "The quick brown fox",
                                                                       "--max-new-tokens", "8", "--ignore-eos", "--json"]).utf8)) as! [String: Any]
        for key in ["prompt_ids", "generated_ids", "text", "finish_reason", "traces"] {
            #expect(NSDictionary(dictionary: [key: record[key] as Any]).isEqual(to: [key: cli[key] as Any]), "\(key)")
        }
        // Each token event carries its id, in order, and the text pieces add up to the text.
        let ids = tokens.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.data.utf8)) as? [String: Any])?["id"] as? Int }
        #expect(ids == record["generated_ids"] as? [Int])
        let pieces = tokens.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.data.utf8)) as? [String: Any])?["text"] as? String }
        #expect(pieces.joined() == record["text"] as? String)
        // A bad request is answered before the stream starts.
        let bad = try server.post("/api/generate", #"{"text": "a", "temperature": -1}"#)
        #expect(bad.status == 400 && bad.json["error"] != nil, "\(bad.text)")
    }

    @Test func badRequestsAreClearErrorsAndTheServerGoesOn() throws {
        let server = try ServerProcess(["--max-body", "4000", "--max-tokens", "64"])
        defer { server.stop() }
        let long = String(repeating: "word ", count: 200)
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/api/trace", "{not json", 400, "not valid JSON"),
            ("POST", "/api/trace", "[1, 2]", 400, "must be a JSON object"),
            ("POST", "/api/trace", #"{"text": "a", "model": "/etc/passwd"}"#, 400, "unknown field 'model'"),
            ("POST", "/api/trace", #"{"text": "a", "chat_template": "x"}"#, 400, "unknown field 'chat_template'"),
            ("POST", "/api/trace", #"{"text": ""}"#, 400, "text is empty"),
            ("POST", "/api/trace", #"{}"#, 400, "give the input as text, ids or messages"),
            ("POST", "/api/trace", #"{"text": "a", "ids": [1]}"#, 400, "give only one of text, ids, messages"),
            ("POST", "/api/trace", #"{"text": 5}"#, 400, "text must be a string, got a number"),
            ("POST", "/api/trace", #"{"text": "a b", "top_k": 0}"#, 400, "top_k must be in 1...1000, got 0"),
            ("POST", "/api/trace", #"{"text": "a b", "top_k": true}"#, 400, "top_k must be an integer, got a boolean"),
            ("POST", "/api/trace", #"{"text": "a b", "stop_at_bos": 1}"#, 400, "stop_at_bos must be true or false, got a number"),
            ("POST", "/api/trace", #"{"text": "a b", "agg_heads": "sum"}"#, 400, "agg_heads must be one of mean, max, got 'sum'"),
            ("POST", "/api/trace", #"{"text": "a b", "length_norm": "pow:x"}"#, 400, "length_norm: invalid pow mode format"),
            ("POST", "/api/trace", #"{"text": "a b", "search": "greedy"}"#, 400, "search must be one of beam, exact"),
            ("POST", "/api/trace", #"{"text": "a b", "explore": "some"}"#, 400, "explore takes all, none, auto"),
            ("POST", "/api/trace", #"{"text": "a b", "verify_baseline": 3}"#, 400, "verify_baseline and verify_seed go with verify: true"),
            ("POST", "/api/trace", #"{"text": "a b", "across_layers": true, "weighting": "value-norm"}"#, 400, "--across-layers walks attention"),
            ("POST", "/api/trace", #"{"text": "a b", "target_pos": 9}"#, 400, "target position 9 out of range for sequence length 2"),
            ("POST", "/api/trace", #"{"text": "a b", "layer": 30}"#, 400, "layer 30 out of range: the model has 30 layers"),
            ("POST", "/api/trace", #"{"ids": [1, 49152]}"#, 400, "token id 49152 out of range"),
            ("POST", "/api/trace", #"{"ids": [1, "x"]}"#, 400, "ids must be a list of integers"),
            ("POST", "/api/trace", #"{"messages": [{"role": "user"}]}"#, 400, "content"),
            ("POST", "/api/trace", #"{"text": "\#(long)"}"#, 400, "more than this server takes (64, --max-tokens)"),
            ("POST", "/api/trace", #"{"text": "\#(String(repeating: "x", count: 5000))"}"#, 413, "larger than 4000 bytes (--max-body)"),
            ("POST", "/api/generate", #"{"text": "a", "max_new_tokens": 100}"#, 400, "max_new_tokens must be in 1...64"),
            ("POST", "/api/tokenize", #"{"ids": [1]}"#, 400, "unknown field 'ids'"),
            ("GET", "/api/trace", nil, 405, "/api/trace takes POST, not GET"),
            ("POST", "/healthz", "{}", 405, "/healthz takes GET, not POST"),
            ("GET", "/etc/passwd", nil, 404, "no such endpoint: /etc/passwd"),
            ("GET", "/../index.html", nil, 404, "no such endpoint"),
        ]
        for (method, path, body, status, message) in cases {
            let reply = try server.request(method, path, body: body.map { Data($0.utf8) })
            #expect(reply.status == status, "\(method) \(path) \(body ?? ""): \(reply.status) \(reply.text)")
            #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(path)")
            #expect((reply.json["error"] as? String)?.contains(message) == true, "\(method) \(path) \(body ?? ""): \(reply.text)")
            if status == 405 { #expect(reply.headers["allow"] != nil) }
        }
        #expect(try server.request("GET", "/healthz").status == 200)
        #expect(try server.post("/api/trace", #"{"text": "a b c"}"#).status == 200)
    }

    /// Sixteen clients at once (sixteen threads, each its own connection): every answer right.
    @Test func sixteenConcurrentTracesAreAllRight() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let bodies = (0..<16).map { #"{"text": "\#(Self.fox)", "target_pos": \#($0 % 9 + 1), "layer": \#($0 * 7 % 30)}"# }
        let expected = try bodies.map { try server.post("/api/trace", $0).text }
        let replies = LockedBox<[Int: Result<ServerProcess.Reply, any Error>]>([:])
        let group = DispatchGroup()
        for (i, body) in bodies.enumerated() {
            group.enter()
            Thread {
                let reply = Result { try server.post("/api/trace", body) }
                replies.update { $0[i] = reply }
                group.leave()
            }.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        for i in 0..<16 {
            let reply = try #require(replies.value[i], "request \(i) has no reply").get()
            #expect(reply.status == 200 && reply.text == expected[i], "request \(i): \(reply.status) \(reply.text)")
        }
    }

    /// With room for one request, a second one while a generation holds the model is refused (503),
    /// and /healthz still answers at once.
    @Test func aFullQueueAnswers503() throws {
        let server = try ServerProcess(["--max-queue", "1"])
        defer { server.stop() }
        let running = Thread {
            _ = try? server.post("/api/generate", #"{"text": "Once upon a time", "max_new_tokens": 400, "ignore_eos": true}"#)
        }
        running.start()
        var refused: ServerProcess.Reply?
        for _ in 0..<100 {
            usleep(50_000)
            let reply = try server.post("/api/trace", #"{"text": "a b c"}"#)
            if reply.status == 503 { refused = reply; break }
        }
        let reply = try #require(refused, "no 503 while a generation held the only place")
        #expect((reply.json["error"] as? String)?.contains("--max-queue") == true)
        let start = Date()
        #expect(try server.request("GET", "/healthz").status == 200)
        #expect(Date().timeIntervalSince(start) < 1)
    }

    /// By default the server listens on 127.0.0.1 only (read from the kernel's socket table).
    @Test func listensOnLoopbackOnly() throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) + ((try? String(contentsOfFile: "/proc/net/tcp6", encoding: .utf8)) ?? "")
        let port = String(format: "%04X", server.port)
        let listening = table.split(separator: "\n").map { $0.split(separator: " ") }
            .filter { $0.count > 3 && $0[1].hasSuffix(":\(port)") && $0[3] == "0A" }
        #expect(listening.count == 1, "\(listening)")
        #expect(listening.first?[1] == "0100007F:\(port)")
        #expect(!server.stderr.contains("warning"))

        // Another address only when asked, with a warning.
        let open = try ServerProcess(["--host", "0.0.0.0"])
        defer { open.stop() }
        #expect(open.stderr.contains("warning: listening on 0.0.0.0"))
        let any = String(format: "%04X", open.port)
        let table2 = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        #expect(table2.split(separator: "\n").contains { $0.contains("00000000:\(any)") })
    }

    /// Ctrl-C while a generation streams: it finishes, then the server exits cleanly.
    @Test func ctrlCLetsTheRequestInFlightFinish() throws {
        let server = try ServerProcess()
        let result = LockedBox<ServerProcess.Reply?>(nil)
        let client = Thread {
            result.value = try? server.post("/api/generate", #"{"text": "Once upon a time", "max_new_tokens": 300, "ignore_eos": true}"#)
        }
        client.start()
        usleep(400_000)
        let status = server.stop()
        for _ in 0..<100 where result.value == nil { usleep(50_000) }
        #expect(status == 0, "\(server.stderr)")
        let events = ServerProcess.events(result.value?.text ?? "")
        #expect(events.filter { $0.name == "token" }.count == 300)
        #expect(events.last?.name == "done")
        #expect(server.stderr.contains("rat serve: stopped"))
    }

    /// The page's status line once it says "traced…", or whatever it says after `seconds`.
    func traced(_ browser: WebDriver, within seconds: Int) async throws -> String {
        var status = ""
        for _ in 0..<(seconds * 10) {
            status = try await browser.execute("return document.getElementById('live-status').textContent") as? String ?? ""
            if status.hasPrefix("traced") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return status
    }

    /// The served page in Chromium: type a text, press Trace, read the paths; move the target and
    /// the layer; generate.
    @Test(.enabled(if: WebDriver.isAvailable || browserRequired)) func thePageTracesWhatIsTyped() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rat-serve-page-\(UUID().uuidString)").path
        try await withBrowser(loopback: true) { browser in
            try await browser.open(URL(string: "http://127.0.0.1:\(server.port)/")!)
            for _ in 0..<100 where try await browser.execute("return document.body.getAttribute('data-ready')") as? String != "true" {
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            let text = "The cat sat on the mat because it was warm."
            try await browser.type("#live-text", text)
            try await browser.click("#live-trace")
            var status = try await traced(browser, within: 10)
            #expect(status.hasPrefix("traced"), "\(status)")
            let shown = try await browser.execute("return document.getElementById('paths').textContent") as? String ?? ""
            let cli = try rat(["trace", "--model", smolLM2, "--text", text, "--output", dir])
            #expect(shown + "\n" == cli)
            #expect(try await browser.execute("return document.getElementById('text-view').textContent") as? String == text)

            // Another target (a click on a token) and another layer (the field), against the CLI.
            try await browser.click(".tok[data-position='5']")
            try await browser.type("#layer-input", "9" + WebDriver.tab)
            let moved = try await browser.execute("return document.getElementById('paths').textContent") as? String ?? ""
            let cliMoved = try rat(["trace", "--model", smolLM2, "--text", text, "--output", dir, "--target-pos", "5", "--layer", "9"])
            #expect(moved + "\n" == cliMoved)

            // Generate: tokens stream into the page, then the whole text is traced.
            try await browser.type("#live-max-new", "6")
            try await browser.click("#live-generate")
            status = try await traced(browser, within: 20)
            #expect(status.hasPrefix("traced"), "\(status)")
            let written = try await browser.execute("return document.getElementById('live-output').textContent") as? String ?? ""
            #expect(!written.isEmpty)
            let tokens = try await browser.execute("return document.querySelectorAll('.tok').length") as? Int ?? 0
            let promptTokens = try server.post("/api/tokenize", #"{"text": "\#(text)"}"#).json["ids"] as? [Int] ?? []
            #expect(tokens == promptTokens.count + 6)
            // An error shows in the status line.
            try await browser.type("#live-text", "")
            try await browser.click("#live-trace")
            #expect((try await browser.execute("return document.getElementById('live-status').textContent") as? String)?.contains("type a text") == true)
            #expect(try await browser.consoleErrors() == [])
        }
    }
}

/// A value shared between a thread and a test.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }

    /// Changes the value under one lock (`value[i] = x` would read and write it under two, and
    /// lose another thread's change made in between).
    func update(_ change: (inout Value) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(&stored)
    }
}
