import Foundation
import Hummingbird
import ReverseAttention

extension TraceServer {
    static let generateFields = PathFields.names.union([
        "text", "ids", "messages", "max_new_tokens", "temperature", "sample_top_k", "top_p", "min_p", "repetition_penalty", "seed",
        "stop", "ignore_eos", "trace_from",
    ])

    /// `POST /api/generate`: server-sent events as the model writes: `event: token` with
    /// `{"index", "id", "text"}` per token (`text`: what the token adds to the decoded text), then
    /// `event: done` with what `rat generate --json` prints, or `event: error` with `{"error"}`.
    /// Bad requests and a full queue are answered before the stream starts (400, 503).
    func generate(_ body: [UInt8]) async throws -> Response {
        let f = try RequestFields(body: body, allowed: Self.generateFields)
        let input = try f.input()
        let maxNewTokens = try f.int("max_new_tokens", default: 64, in: 1...configuration.maxTokens)
        let sampling = SamplingOptions(
            temperature: try f.double("temperature", default: 0), topK: try f.int("sample_top_k", default: 0, in: 0...Int(Int32.max)),
            topP: try f.double("top_p", default: 1), minP: try f.double("min_p", default: 0),
            repetitionPenalty: try f.double("repetition_penalty", default: 1),
            seed: UInt64(try f.int("seed", default: 0, in: 0...Int.max)))
        do { try sampling.validate() } catch { throw APIError.badRequest(error.message) }
        let stops = try f.strings("stop")
        if stops.contains("") { throw APIError.badRequest("stop needs non-empty strings") }
        let ignoreEOS = try f.bool("ignore_eos", default: false)
        let origin = try f.choice("trace_from", default: TraceOrigin.predecessor, TraceOrigin.allCases)
        let o = try f.pathFields()
        let tracer = self.tracer
        let (promptIDs, _, _) = try input.encode(with: tracer.tokenizer)
        try Self.check(count: promptIDs.count + maxNewTokens, maxTokens: configuration.maxTokens)
        do { _ = try tracer.model.resolveLayer(o.layer) } catch { throw APIError.badRequest(error.message) }
        if let bad = promptIDs.first(where: { $0 < 0 || $0 >= tracer.model.config.vocabularySize }) {
            throw APIError.badRequest("token id \(bad) out of range: the vocabulary has \(tracer.model.config.vocabularySize) tokens")
        }
        var sampler: Sampler
        do { sampler = try Sampler(sampling) } catch { throw APIError.badRequest(error.message) }
        let ticket = try queue.reserve()

        let (events, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .unbounded)
        let stopped = StopFlag()
        continuation.onTermination = { _ in stopped.set() }
        let box = SamplerBox(sampler)
        ticket.start {
            var written: [Int] = [], shown = ""
            do {
                let result = try tracer.generate(
                    promptIDs: promptIDs, maxNewTokens: maxNewTokens, endOfSequence: ignoreEOS ? [] : nil, layer: o.layer,
                    aggHeads: o.aggHeads, topBeam: o.topBeam, topK: o.topK, minAttn: o.minAttn, lengthNorm: o.lengthNorm,
                    stopAtBOS: o.stopAtBOS, bosTokenID: o.bosTokenID, search: o.search, traceFrom: origin,
                    choose: { logits, sequence in box.sampler.next(logits: logits, previous: sequence) },
                    onToken: { id in
                        written.append(id)
                        let text = tracer.tokenizer.decode(written)
                        let added = text.hasPrefix(shown) ? String(text.dropFirst(shown.count)) : ""
                        if text.hasPrefix(shown) { shown = text }
                        continuation.yield(event("token", #"{"index":\#(written.count - 1),"id":\#(id),"text":\#(jsonString(added))}"#))
                        return !stopped.isSet && !stops.contains(where: { text.contains($0) })
                    })
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                continuation.yield(event("done", String(decoding: try encoder.encode(result), as: UTF8.self)))
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

/// The sampler's state, used by one generation on the model's thread only.
private final class SamplerBox: @unchecked Sendable {
    var sampler: Sampler
    init(_ sampler: Sampler) { self.sampler = sampler }
}
