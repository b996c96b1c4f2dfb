import Foundation
@testable import ModelRuntime
import Testing

/// The sampler against transformers' logits processors (tools/runtime/make_sampler_fixtures.py):
/// the processed distributions, their support and the greedy token; then the draws themselves.
@Suite struct SamplerTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            let name: String
            /// null = -inf.
            let logits: [Float?]
            let previous: [Int]
            var scores: [Float] { logits.map { $0 ?? -.infinity } }
        }
        struct Stable: Decodable { let kept: [Int]?; let probs: [Double]; let argmax: Int }
        struct Record: Decodable {
            let `case`: Int
            let temperature: Double, topK: Int, topP: Double, minP: Double, repetitionPenalty: Double
            let order: Int
            /// nil = every id with a finite logit; `probs` nil = not stored (plain greedy).
            let kept: [Int]?
            let probs: [Double]?
            let argmax: Int
            /// Present where ties straddle the top-p boundary: what a stable sort gives.
            let stable: Stable?
            var options: SamplingOptions {
                SamplingOptions(temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repetitionPenalty)
            }
        }
        struct Stream: Decodable { let seed: String; let outputs: [String] }
        let cases: [Case]
        let orders: [[String]]
        let records: [Record]
        let xoshiro: [Stream]
    }
    static let fixture = try! JSONDecoder().decode(
        Fixture.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("runtime/sampler.json")))

    /// The dense expected vector: `probs` on `kept` (or on every finite logit), 0 elsewhere.
    static func dense(_ kept: [Int]?, _ probs: [Double], _ logits: [Float]) -> [Double] {
        let ids = kept ?? logits.indices.filter { logits[$0] > -.infinity }
        precondition(ids.count == probs.count)
        var out = [Double](repeating: 0, count: logits.count)
        for (i, p) in zip(ids, probs) { out[i] = p }
        return out
    }

    @Test func fixtureCoversTheInterestingCases() {
        let f = Self.fixture
        #expect(f.cases.count >= 19 && f.records.count >= 200)
        #expect(f.records.contains { $0.stable != nil })
        #expect(f.orders.contains(["RepetitionPenaltyLogitsProcessor", "TemperatureLogitsWarper", "TopKLogitsWarper",
                                   "TopPLogitsWarper", "MinPLogitsWarper"]))
        // Filtering that keeps a handful of ids, and filtering that keeps nearly all.
        #expect(f.records.contains { ($0.kept?.count ?? 0) > 1 && ($0.kept?.count ?? 0) < 10 })
        #expect(f.records.contains { $0.kept == nil && $0.probs != nil })
    }

    /// Every record: the same processors in the same order, the same support, probabilities
    /// within 1e-6, the same argmax; greedy options give transformers' greedy token.
    @Test func matchesTransformers() throws {
        let f = Self.fixture
        var compared = 0
        for (r, record) in f.records.enumerated() {
            let c = f.cases[record.case]
            let label = "record \(r): \(c.name) \(record.options)"
            let logits = c.scores
            var sampler = try Sampler(record.options)
            #expect(sampler.steps.map(\.transformersName) == f.orders[record.order], "\(label)")
            let got = sampler.distribution(logits: logits, previous: c.previous)
            #expect(abs(got.reduce(0, +) - 1) < 1e-12, "\(label)")
            if record.options.isGreedy {
                #expect(sampler.next(logits: logits, previous: c.previous) == record.argmax, "\(label) greedy")
            }
            guard let probs = record.probs else { continue }
            let expected = record.stable.map { Self.dense($0.kept, $0.probs, logits) } ?? Self.dense(record.kept, probs, logits)
            // Support: the ids not filtered (a far-off kept id may still have probability 0 in float32).
            let scores = sampler.scores(logits: logits, previous: c.previous)
            let support = Set(scores.indices.filter { scores[$0] > -.infinity })
            let wantSupport = Set(record.stable?.kept ?? record.kept ?? logits.indices.filter { logits[$0] > -.infinity })
            #expect(support == wantSupport, """
                \(label) support: \(support.count) ids, transformers \(wantSupport.count); \
                only ours \(support.subtracting(wantSupport).sorted().prefix(8)), only theirs \(wantSupport.subtracting(support).sorted().prefix(8))
                """)
            #expect(got.indices.allSatisfy { got[$0] == 0 || support.contains($0) }, "\(label): probability outside the support")
            let worst = zip(got, expected).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-6, "\(label): worst difference \(worst)")
            #expect(Self.highest(got) == (record.stable?.argmax ?? record.argmax), "\(label) argmax")
            if record.stable != nil {
                // The real (unstably sorted) result keeps other tied ids, but as many, of the same probabilities.
                let real = (record.kept ?? []).map { Self.dense(record.kept, probs, logits)[$0] }.sorted()
                let ours = support.map { got[$0] }.sorted()
                #expect(real.count == ours.count && zip(real, ours).allSatisfy { abs($0 - $1) <= 1e-6 }, "\(label) tied subset")
            }
            // Filtered ids are never drawn.
            if !record.options.isGreedy {
                for _ in 0..<100 {
                    let t = sampler.next(logits: logits, previous: c.previous)
                    #expect(support.contains(t) && got[t] > 0, "\(label): drew filtered id \(t)")
                }
            }
            compared += 1
        }
        #expect(compared >= 200)
    }

    /// The most probable id, ties to the lowest.
    static func highest(_ p: [Double]) -> Int {
        var best = 0
        for i in p.indices where p[i] > p[best] { best = i }
        return best
    }

    @Test func generatorMatchesTheReferenceStream() throws {
        for stream in Self.fixture.xoshiro {
            var g = SeededGenerator(seed: try #require(UInt64(stream.seed)))
            #expect((0..<stream.outputs.count).map { _ in String(g.next()) } == stream.outputs, "seed \(stream.seed)")
        }
        var g = SeededGenerator(seed: 3)
        for _ in 0..<10_000 {
            let u = g.nextUnit()
            #expect(u >= 0 && u < 1)
        }
    }

    /// Hand-checked semantics, each of which a plausible variant gets wrong.
    @Test func semantics() throws {
        func kept(_ options: SamplingOptions, _ logits: [Float], _ previous: [Int] = []) throws -> [Int] {
            let d = try Sampler(options).distribution(logits: logits, previous: previous)
            return d.indices.filter { d[$0] > 0 }
        }
        // Top-k keeps every score tied with the k-th.
        #expect(try kept(.init(topK: 2), [1, 3, 3, 2]) == [1, 2])
        #expect(try kept(.init(topK: 3), [1, 3, 3, 2]) == [1, 2, 3])
        #expect(try kept(.init(topK: 1), [3, 1, 3, 3]) == [0, 2, 3])
        #expect(try kept(.init(topK: 10), [3, 1, 3]) == [0, 1, 2])
        // Top-p: cumulative mass at most 1 - p is dropped (a boundary exactly at 1 - p is dropped);
        // tied ids across the boundary: the lower go first.
        #expect(try kept(.init(topP: 0.5), [0, 0, 0, 0]) == [2, 3])
        #expect(try kept(.init(topP: 0.51), [0, 0, 0, 0]) == [1, 2, 3])
        #expect(try kept(.init(topP: 1e-9), [5, 5]) == [1])
        // Min-p is relative to the highest probability.
        #expect(try kept(.init(minP: 0.2), [0, log(0.5), log(0.1), log(0.25)]) == [0, 1, 3])
        #expect(try kept(.init(minP: 1), [2, 1, 2]) == [0, 2])
        // Order: top-k before top-p, so top-p's mass is over the top-k survivors.
        #expect(try kept(.init(topK: 3, topP: 0.65), [0, 1, 2, 3]) == [3])
        #expect(try kept(.init(topP: 0.65), [0, 1, 2, 3]) == [2, 3])
        // Temperature before min-p: cooling widens the gaps.
        #expect(try kept(.init(temperature: 0.5, minP: 0.3), [0, log(0.5)]) == [0])
        #expect(try kept(.init(minP: 0.3), [0, log(0.5)]) == [0, 1])

        // The repetition penalty: each distinct previous id once; positive divided, negative multiplied, 0 kept.
        let s = try Sampler(.init(repetitionPenalty: 2)).scores(logits: [2, -2, 1, 0, 4], previous: [0, 0, 1, 3, 3, 99, -1])
        #expect(s == [1, -4, 1, 0, 4])
        // Greedy: the penalized argmax, ties to the lowest id; no warpers.
        var greedy = try Sampler(.init(temperature: 0, topK: 1, repetitionPenalty: 1.5))
        #expect(greedy.steps == [.repetitionPenalty(1.5)])
        #expect(greedy.next(logits: [1, 3, 3, 2.5], previous: []) == 1)
        #expect(greedy.next(logits: [1, 3, 3, 2.5], previous: [1]) == 2)
        #expect(greedy.next(logits: [1, 3, 3, 2.5], previous: [1, 2]) == 3)
        // -inf logits (a padded vocabulary) are never drawn, even at a high temperature.
        var hot = try Sampler(.init(temperature: 50, seed: 9))
        for _ in 0..<2000 { #expect(hot.next(logits: [0, -.infinity, 1, -.infinity], previous: []) % 2 == 0) }
    }

    @Test func sameSeedSameTokens() throws {
        let logits = Self.fixture.cases.first { $0.name == "flat" }!.scores
        func draw(_ seed: UInt64) throws -> [Int] {
            var sampler = try Sampler(.init(temperature: 0.9, topP: 0.95, seed: seed))
            return (0..<200).map { _ in sampler.next(logits: logits, previous: []) }
        }
        #expect(try draw(42) == draw(42))
        #expect(try draw(42) != draw(43))
        // Pinned: the stream must not change between platforms or releases. Seed 7 on 80 tied ids,
        // top-p dropping ids 0-3: id 4 + ⌊u·76⌋, u from the fixture's xoshiro stream (worked out in Python).
        let pinned = Array(try draw(7).prefix(12))
        #expect(pinned == [57, 25, 67, 78, 79, 70, 8, 11, 34, 15, 45, 59])
        let copy = try Sampler(.init(seed: 5))
        var a = copy, b = copy
        #expect((0..<50).map { _ in a.next(logits: logits, previous: []) } == (0..<50).map { _ in b.next(logits: logits, previous: []) })
    }

    /// Pearson's statistic of `counts` against `probabilities`, bins with an expected count under 5
    /// pooled. Returns the statistic and its degrees of freedom.
    static func chiSquare(_ counts: [Int], _ probabilities: [Double]) -> (Double, Int) {
        let n = Double(counts.reduce(0, +))
        var statistic = 0.0, bins = 0, pooledObserved = 0.0, pooledExpected = 0.0
        for (c, p) in zip(counts, probabilities) {
            if n * p >= 5 {
                statistic += pow(Double(c) - n * p, 2) / (n * p)
                bins += 1
            } else {
                pooledObserved += Double(c)
                pooledExpected += n * p
            }
        }
        if pooledExpected == 0 && pooledObserved > 0 { return (.infinity, bins) }
        if pooledExpected > 0 {
            statistic += pow(pooledObserved - pooledExpected, 2) / pooledExpected
            bins += 1
        }
        return (statistic, bins - 1)
    }
    /// Mean + 10 standard deviations (+10): a correct sampler exceeds it with probability < 1e-8.
    static func bound(_ degrees: Int) -> Double { Double(degrees) + 10 * (2 * Double(degrees)).squareRoot() + 10 }

    /// 20,000 draws from transformers' own distributions (each with 3-40 kept ids) fit them; the
    /// same counts do not fit a near miss (the unfiltered softmax, or the untempered one).
    @Test func drawsFollowTheDistribution() throws {
        let f = Self.fixture
        let chosen = f.records.filter { r in
            r.stable == nil && !r.options.isGreedy && r.temperature != 1 && (3...40).contains(r.kept?.count ?? 0)
        }.prefix(6)
        #expect(chosen.count == 6)
        for record in chosen {
            let c = f.cases[record.case]
            let logits = c.scores
            let want = Self.dense(record.kept, record.probs!, logits)
            var sampler = try Sampler(SamplingOptions(
                temperature: record.temperature, topK: record.topK, topP: record.topP, minP: record.minP,
                repetitionPenalty: record.repetitionPenalty, seed: 2024))
            var counts = [Int](repeating: 0, count: logits.count)
            for _ in 0..<20_000 { counts[sampler.next(logits: logits, previous: c.previous)] += 1 }
            #expect(zip(counts, want).allSatisfy { $0.1 > 0 || $0.0 == 0 }, "\(c.name): drew a filtered id")
            let (statistic, degrees) = Self.chiSquare(counts, want)
            #expect(degrees >= 2 && statistic < Self.bound(degrees), "\(c.name) \(record.options): χ² \(statistic), \(degrees) dof")
            // Power: the wrong distributions are rejected by a wide margin.
            var plain = record.options
            plain.topK = 0; plain.topP = 1; plain.minP = 0
            let unfiltered = try Sampler(plain).distribution(logits: logits, previous: c.previous)
            plain = record.options
            plain.temperature = 1
            let untempered = try Sampler(plain).distribution(logits: logits, previous: c.previous)
            for wrong in [unfiltered, untempered] {
                let (s, d) = Self.chiSquare(counts, wrong)
                #expect(s > 3 * Self.bound(d), "\(c.name): a wrong distribution fits (χ² \(s), \(d) dof)")
            }
        }
    }

    @Test func badOptionsAreClearErrors() throws {
        let cases: [(SamplingOptions, String)] = [
            (.init(temperature: -0.5), "temperature must be 0 (greedy) or a positive finite number, got -0.5"),
            (.init(temperature: .nan), "temperature must be 0 (greedy) or a positive finite number, got nan"),
            (.init(temperature: .infinity), "temperature must be 0 (greedy) or a positive finite number, got inf"),
            (.init(temperature: 1e-60), "temperature must be 0 (greedy) or a positive finite number, got 1e-60"),
            (.init(topK: -1), "top-k must be at least 0 (0 = off), got -1"),
            (.init(topP: 0), "top-p must be in (0, 1] (1 = off), got 0.0"),
            (.init(topP: 1.5), "top-p must be in (0, 1] (1 = off), got 1.5"),
            (.init(minP: -0.1), "min-p must be in [0, 1] (0 = off), got -0.1"),
            (.init(minP: 2), "min-p must be in [0, 1] (0 = off), got 2.0"),
            (.init(repetitionPenalty: 0), "repetition penalty must be a positive finite number (1 = off), got 0.0"),
            (.init(repetitionPenalty: -1), "repetition penalty must be a positive finite number (1 = off), got -1.0"),
        ]
        for (options, message) in cases {
            #expect(throws: ModelError(message)) { try Sampler(options) }
        }
        _ = try Sampler(.init(temperature: 0, topK: 0, topP: 1, minP: 1, repetitionPenalty: 0.5))
        _ = try Sampler(.init(temperature: 1e-30, topK: 1_000_000, topP: 1e-12, minP: 0, repetitionPenalty: 1e6))
    }

    /// A real vocabulary size with every step on: only the top ids kept (timings belong in benchmarks).
    @Test func largeVocabulary() throws {
        var g = SeededGenerator(seed: 1)
        let logits = (0..<151_936).map { _ in Float(g.nextUnit() * 20 - 10) }
        var sampler = try Sampler(.init(temperature: 0.7, topK: 50, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1, seed: 1))
        for _ in 0..<20 {
            let t = sampler.next(logits: logits, previous: [1, 2, 3])
            #expect(logits[t] > 8)
        }
        // Top-p alone on a flat-ish row: the prefilter must not change which ids survive.
        let p = try Sampler(.init(topP: 0.5)).distribution(logits: logits, previous: [])
        let order = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }
        let keptCount = p.filter { $0 > 0 }.count
        #expect(Set(order.prefix(keptCount)) == Set(p.indices.filter { p[$0] > 0 }))
        let soft = logits.map { exp(Double($0)) }, total = soft.reduce(0, +)
        let massBefore = order.prefix(keptCount - 1).reduce(0) { $0 + soft[$1] / total }
        let massWith = massBefore + soft[order[keptCount - 1]] / total
        #expect(massBefore < 0.5 && massWith >= 0.5)
    }
}
