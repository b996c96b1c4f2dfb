import Foundation
import Hummingbird
import Logging
import ReverseAttention

/// `rat serve`: one loaded model behind the explorer page and a JSON API, on Hummingbird 2.
///
/// - `GET /`: the explorer page with a text box (and a chat box when the model has a template);
/// - `POST /api/trace`: exactly what `rat trace --json` prints (plus `explore` when asked);
/// - `POST /api/tokenize`: `{"ids", "tokens"}` (and `"text"` for messages), as `rat tokenize --json`;
/// - `POST /api/generate`: server-sent events, one per written token, then the record `rat generate --json` prints;
/// - `GET /api/model`: what `rat inspect` prints, as an object; `GET /healthz`.
///
/// Every error is `{"error": "…"}` with its status. Requests wait for the model in a bounded
/// queue (`ModelQueue`); the page, `/healthz` and `/api/model` never wait behind a trace.
public final class TraceServer: Sendable {
    /// The loaded model and tokenizer every request runs on.
    public let tracer: ReverseAttentionTracer
    /// Where the server listens and the limits it enforces.
    public let configuration: ServerConfiguration
    let queue: ModelQueue
    /// The page, made once: the example text traced at start, explorer included.
    let page: String
    let modelJSON: String

    /// The endpoints and the methods each answers (for 405 and its Allow header).
    static let endpoints: [String: [HTTPRequest.Method]] = [
        "/": [.get], "/healthz": [.get], "/api/model": [.get],
        "/api/trace": [.post], "/api/tokenize": [.post], "/api/generate": [.post],
    ]
    static let exampleText = "The quick brown fox jumps over the lazy dog."

    /// Prepares the server without listening yet: traces an example text with every layer
    /// explorable to build the page, and describes the model for `GET /api/model`.
    ///
    /// - Throws: The error of tracing the example text, when that fails.
    public init(tracer: ReverseAttentionTracer, configuration: ServerConfiguration) throws {
        self.tracer = tracer
        self.configuration = configuration
        queue = ModelQueue(limit: configuration.maxQueue)
        let (example, _) = try tracer.traceText(Self.exampleText, explore: .all)
        page = try TracePage.html(example, live: LivePage(chat: tracer.tokenizer.chatTemplate != nil))
        modelJSON = ModelDescription(tracer.model).json(extra: [
            ("path", jsonString(tracer.model.path)),
            ("chat_template", tracer.tokenizer.chatTemplate == nil ? "false" : "true"),
            ("max_tokens", "\(configuration.maxTokens)"),
        ])
    }

    /// Serves until SIGINT or SIGTERM, then lets requests in flight finish. `onListening` gets
    /// the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let router = Router()
        router.middlewares.add(JSONErrorMiddleware(maxBody: configuration.maxBody))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: self.page)))
        }
        router.get("/healthz") { _, _ in json(#"{"status":"ok"}"#) }
        router.get("/api/model") { _, _ in json(self.modelJSON) }
        router.post("/api/trace") { request, _ in
            try await self.answer { try await self.trace(try await self.body(request)) }
        }
        router.post("/api/tokenize") { request, _ in
            try await self.answer { try await self.tokenize(try await self.body(request)) }
        }
        router.post("/api/generate") { request, _ in
            do {
                return try await self.generate(try await self.body(request))
            } catch let error as APIError {
                return failure(error)
            }
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "rat"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "rat.serve", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.runService()
    }

    /// The body, at most `--max-body` bytes (413 above).
    private func body(_ request: Request) async throws -> [UInt8] {
        var request = request
        let buffer = try await request.collectBody(upTo: configuration.maxBody)
        return Array(buffer.readableBytesView)
    }

    /// A JSON answer, or the error's.
    private func answer(_ work: () async throws -> String) async throws -> Response {
        do {
            return json(try await work())
        } catch let error as APIError {
            return failure(error)
        }
    }

    // MARK: Endpoints

    static let traceFields = TraceRequest.optionNames.union(TraceRequest.inputNames).union(TraceRequest.exploreNames)

    /// `POST /api/trace`.
    func trace(_ body: [UInt8]) async throws(APIError) -> String {
        let request = try decoding { () throws(RequestError) in
            try TraceRequest(fields: try RequestFields(body: body, allowed: Self.traceFields), defaults: TraceRequest(input: .ids([])))
        }
        let tracer = self.tracer, maxTokens = configuration.maxTokens
        return try await run {
            let encoded = try request.input.encode(with: tracer.tokenizer)
            try Self.check(count: encoded.ids.count, maxTokens: maxTokens)
            let (result, _) = try tracer.trace(request, encoded: encoded)
            var json = String(decoding: try result.jsonData(), as: UTF8.self)
            if let explorer = result.explorer {
                // trace.json, then the explorer's rows as the page reads them.
                json.removeLast()  // the closing brace
                while json.last == "\n" || json.last == " " { json.removeLast() }
                json += ",\n  \"explore\" : " + (try TracePage.exploreJSON(explorer, tokens: result.tokens.count)) + "\n}"
            }
            return json + "\n"
        }
    }

    /// `POST /api/tokenize`.
    func tokenize(_ body: [UInt8]) async throws(APIError) -> String {
        let input = try decoding { () throws(RequestError) in try RequestFields(body: body, allowed: ["text", "messages"]).input() }
        let tokenizer = tracer.tokenizer, maxTokens = configuration.maxTokens
        // Tokenizing is quick: it does not wait for the model.
        let (ids, text, _) = try decoding { () throws(RequestError) in try input.encode(with: tokenizer) }
        try Self.check(count: ids.count, maxTokens: maxTokens)
        struct Output: Encodable { let text: String?; let ids: [Int]; let tokens: [String] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let rendered: String? = if case .messages = input { text } else { nil }
        let data = (try? encoder.encode(Output(text: rendered, ids: ids, tokens: ids.map(tokenizer.tokenString)))) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A request's fields read, a bad one answered with 400.
    func decoding<T>(_ read: () throws(RequestError) -> T) throws(APIError) -> T {
        do { return try read() } catch { throw .badRequest(error.message) }
    }

    static func check(count: Int, maxTokens: Int) throws(APIError) {
        guard count > 0 else { throw .badRequest("the input has no tokens: nothing to trace") }
        guard count <= maxTokens else {
            throw .badRequest("the input has \(count) tokens, more than this server takes (\(maxTokens), --max-tokens)")
        }
    }

    /// Runs model work in turn; errors of the input (bad target, layer, ids) become 400.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws(APIError) -> T {
        do {
            return try await queue.run(work)
        } catch let error as APIError {
            throw error
        } catch let error as TraceError {
            throw .badRequest(error.message)
        } catch let error as RequestError {
            throw .badRequest(error.message)
        } catch let error as ModelError {
            throw .badRequest(error.message)
        } catch {
            throw APIError(.internalServerError, "\(error)")
        }
    }
}

/// A JSON response.
func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
             body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

func failure(_ error: APIError) -> Response { json(error.body, status: error.status) }
