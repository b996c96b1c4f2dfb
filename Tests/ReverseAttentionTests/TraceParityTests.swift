import Foundation
import ReverseAttention
import Testing

let assetCache: URL = {
    if let dir = ProcessInfo.processInfo.environment["RAT_CACHE"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
    return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/rat")
}()
let smolLM2Path = assetCache.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
let smolLM2Available = FileManager.default.fileExists(atPath: smolLM2Path)
    || ProcessInfo.processInfo.environment["RAT_REQUIRE_ASSETS"] == "1"

/// End to end against the reference's `trace_text` on SmolLM2 (tools/trace/make_trace_fixtures.py):
/// our tokenizer, our runtime and our search together. Tokens and beam positions identical,
/// scores within 1e-4.
@Suite(.enabled(if: smolLM2Available, "needs the SmolLM2 GGUF (scripts/fetch-assets.sh)"))
struct TraceParityTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        struct Options: Decodable, Sendable {
            var layer: Int?, targetPos: Int?, topBeam: Int?, topK: Int?, minAttn: Double?
            var aggHeads: String?, lengthNorm: String?, stopAtBOS: Bool?
            enum CodingKeys: String, CodingKey {
                case layer, targetPos = "target_pos", topBeam = "top_beam", topK = "top_k", minAttn = "min_attn"
                case aggHeads = "agg_heads", lengthNorm = "length_norm", stopAtBOS = "stop_at_bos"
            }
        }
        let text: String
        let options: Options
        let expected: TraceResult
        var testDescription: String { "\(text.prefix(30))… \(options.layer ?? -1)" }
    }
    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = try! JSONDecoder().decode(
        File.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("trace/cases.json"))).cases
    static let tracer = try! ReverseAttentionTracer(loading: smolLM2Path)

    @Test func thereAreEnoughCases() { #expect(Self.cases.count >= 10) }

    @Test(arguments: cases)
    func traceTextMatchesTheReference(_ c: Case) throws {
        let o = c.options
        let (result, _) = try Self.tracer.traceText(
            c.text, targetPos: o.targetPos ?? -1, layer: o.layer ?? -1, topBeam: o.topBeam ?? 5, topK: o.topK ?? 5,
            minAttn: o.minAttn ?? 0, aggHeads: HeadAggregation(rawValue: o.aggHeads ?? "mean")!,
            lengthNorm: o.lengthNorm ?? "avg_logprob", stopAtBOS: o.stopAtBOS ?? true)
        let want = c.expected
        #expect(result.tokens == want.tokens)
        #expect(result.seqLen == want.seqLen && result.targetPos == want.targetPos && result.layer == want.layer)
        #expect(result.topBeam == want.topBeam && result.topK == want.topK)
        try #require(result.beams.count == want.beams.count)
        for (ours, theirs) in zip(result.beams, want.beams) {
            #expect(ours.positions == theirs.positions)
            #expect(ours.tokenIDs == theirs.tokenIDs && ours.tokens == theirs.tokens)
            #expect(abs(ours.scoreNorm - theirs.scoreNorm) <= 1e-4, "\(ours.scoreNorm) vs \(theirs.scoreNorm)")
            #expect(abs(ours.scoreRaw - theirs.scoreRaw) <= 1e-4 * max(1, abs(theirs.scoreRaw)))
            for (a, b) in zip(ours.edgeAttentions, theirs.edgeAttentions) { #expect(abs(a - b) <= 1e-4) }
        }
        #expect(result.pathsText.map { $0.components(separatedBy: " (score:")[0] } == want.pathsText.map { $0.components(separatedBy: " (score:")[0] })
        #expect(result.sankey.nodes == want.sankey.nodes)
        #expect(result.sankey.links.map { [$0.source, $0.target] } == want.sankey.links.map { [$0.source, $0.target] })
    }

    @Test func badRequestsAreClearErrors() {
        func message(_ body: () throws -> Void) -> String? {
            do { try body() } catch { return "\(error)" }
            return nil
        }
        #expect(message { _ = try Self.tracer.traceText("Hello there", targetPos: 5) }!.contains("target position 5 out of range for sequence length 2"))
        #expect(message { _ = try Self.tracer.traceText("Hello", layer: 30) }!.contains("layer 30 out of range: the model has 30 layers"))
        #expect(message { _ = try Self.tracer.traceText("") }!.contains("no tokens"))
        #expect(message { _ = try Self.tracer.traceText("Hello", aggHeads: .none) }!.contains("'mean' or 'max'"))
        #expect(message { _ = try Self.tracer.traceText("Hello", lengthNorm: "geo") }!.contains("unknown length normalization"))
        #expect(message { _ = try Self.tracer.trace(inputIDs: [1, 2], attentionMask: [1]) }!.contains("attention mask has 1 entries for 2 tokens"))
    }
}
