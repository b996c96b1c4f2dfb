import Foundation
import Hummingbird
import ReverseAttention

extension TraceServer {
    static let generateFields = GenerateRequest.optionNames.union(TraceRequest.inputNames)

    /// `POST /api/generate`: server-sent events as the model writes: `event: token` with
    /// `{"index", "id", "text"}` per token (`text`: what the token adds to the decoded text), then
    /// `event: done` with what `rat generate --json` prints, or `event: error` with `{"error"}`.
    /// Bad requests and a full queue are answered before the stream starts (400, 503).
    func generate(_ body: [UInt8]) async throws -> Response {
        let maxTokens = configuration.maxTokens
        let request = try decoding { () throws(RequestError) in
            try GenerateRequest(fields: try RequestFields(body: body, allowed: Self.generateFields),
                                defaults: GenerateRequest(input: .ids([])), maxNewTokensLimit: maxTokens)
        }
        let tracer = self.tracer
        let (promptIDs, _, _) = try decoding { () throws(RequestError) in try request.input.encode(with: tracer.tokenizer) }
        try Self.check(count: promptIDs.count + request.maxNewTokens, maxTokens: maxTokens)
        do { try tracer.check(request, promptIDs: promptIDs) } catch { throw APIError.badRequest("\(error)") }
        let ticket = try queue.reserve()

        let (events, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.set() }
        ticket.start {
            var shown = "", index = 0
            do {
                let result = try tracer.generate(request, promptIDs: promptIDs) { id, text in
                    let added = text.hasPrefix(shown) ? String(text.dropFirst(shown.count)) : ""
                    if text.hasPrefix(shown) { shown = text }
                    continuation.yield(event("token", #"{"index":\#(index),"id":\#(id),"text":\#(jsonString(added))}"#))
                    index += 1
                    return !stopped.isSet
                }
                continuation.yield(event("done", String(decoding: try result.jsonData(), as: UTF8.self)))
            } catch let error as TraceError {
                continuation.yield(event("error", APIError.badRequest(error.message).body))
            } catch let error as ModelError {
                continuation.yield(event("error", APIError.badRequest(error.message).body))
            } catch {
                continuation.yield(event("error", APIError(.internalServerError, "\(error)").body))
            }
            continuation.finish()
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody { writer in
                for await text in events { try await writer.write(ByteBuffer(string: text)) }
                try await writer.finish(nil)
            })
    }
}

/// One server-sent event.
private func event(_ name: String, _ data: String) -> String { "event: \(name)\ndata: \(data)\n\n" }

/// Set when the client goes away: the generation stops after the current token.
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}

