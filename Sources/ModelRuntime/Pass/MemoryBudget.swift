import Foundation

/// What a pass will allocate, estimated before it starts, so that a run that cannot fit is one
/// clear error naming the option that lowers it, not an out-of-memory kill halfway through.
struct MemoryBudget {
    /// One kind of buffer: what it is, its bytes, and what makes it smaller.
    struct Part {
        let what: String
        let bytes: Int
        let lowerWith: String
    }

    let parts: [Part]
    var total: Int { parts.reduce(0) { $0 + $1.bytes } }

    /// The pass's buffers for `n` new positions after `offset` cached ones (see `ForwardPass`).
    /// `streamedHeads`: the heads of a block of captured rows each worker keeps for an
    /// `AttentionStream` (0: none streamed).
    init(config c: ModelConfig, n: Int, offset: Int, workers: Int, blockRows: Int, captures: [Int: HeadAggregation],
         streamedHeads: Int = 0, candidates: CandidatePlan?, logits: LogitsRequest, cache: Bool, intermediate: Int, weights: Int = 0) {
        let f = MemoryLayout<Float>.size, keys = offset + n
        let qWidth = c.headCount * c.headDim, kvWidth = c.kvHeadCount * c.headDim
        let group = c.headCount / max(c.kvHeadCount, 1), rows = min(n, blockRows)
        var activations = n * (2 * c.hiddenSize + 2 * qWidth + 2 * intermediate) * f
        if !cache { activations += 2 * n * kvWidth * f }
        activations += max(workers, 1) * (group * rows * keys + group * rows * c.headDim + streamedHeads * rows * keys) * f
        var parts = [Part(what: "activations", bytes: activations, lowerWith: "trace fewer tokens")]
        if weights > 0 {
            parts.append(Part(what: "float32 weights", bytes: weights, lowerWith: "stream the weights (--weights streamed)"))
        }
        if cache {
            parts.append(Part(what: "KV cache", bytes: 2 * c.layerCount * keys * kvWidth * f, lowerWith: "generate fewer tokens"))
        }
        let captured = captures.values.reduce(0) { $0 + ($1 == .none ? c.headCount : 1) * n * keys * f }
        if captured > 0 {
            let perHead = captures.values.contains(.none)
            parts.append(Part(what: "captured attention", bytes: captured,
                              lowerWith: perHead ? "aggregate the heads (mean or max)" : "capture fewer layers or trace fewer tokens"))
        }
        if let candidates {
            let slots = candidates.layers.count * 2 * n
            let perSlot = candidates.cap * (MemoryLayout<Int32>.size + f) + 1 + f + 2 * MemoryLayout<Double>.size
            parts.append(Part(what: "the explorer's rows", bytes: slots * perSlot + 2 * max(workers, 1) * rows * keys * f,
                              lowerWith: "explore fewer layers (--explore) or keep fewer per row (--explore-cap)"))
        }
        switch logits {
        case .none: break
        case .lastPosition: parts.append(Part(what: "logits", bytes: c.vocabularySize * f, lowerWith: "trace fewer tokens"))
        case .allPositions:
            parts.append(Part(what: "logits", bytes: n * (c.vocabularySize + c.hiddenSize) * f, lowerWith: "ask for fewer positions' logits"))
        }
        self.parts = parts
    }

    /// Bytes this process may still allocate: `RAT_MEMORY_LIMIT` (bytes, or with a K/M/G suffix)
    /// when set, else the system's available memory (Linux `MemAvailable`); nil when unknown.
    static func available() -> Int? {
        if let text = ProcessInfo.processInfo.environment["RAT_MEMORY_LIMIT"], let limit = parseBytes(text) { return limit }
        guard let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }

    static func parseBytes(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = text.uppercased()
        var scale = 1
        if digits.hasSuffix("B") { digits.removeLast() }
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits.removeLast()
        }
        guard let value = Double(digits), value >= 0, value * Double(scale) < 9e18 else { return nil }
        return Int(value * Double(scale))
    }

    /// Throws when the pass cannot fit in `available` bytes, naming the largest part's remedy.
    func check(available: Int?) throws(ModelError) {
        guard let available, total > available else { return }
        let largest = parts.max { $0.bytes < $1.bytes }!
        let shown = parts.sorted { $0.bytes > $1.bytes }.filter { $0.bytes > total / 100 }
            .map { "\($0.what) \(Self.format($0.bytes))" }.joined(separator: ", ")
        throw ModelError("this pass needs about \(Self.format(total)) (\(shown)) but \(Self.format(available)) is available: \(largest.lowerWith)")
    }

    static func format(_ bytes: Int) -> String {
        let gb = Double(bytes) / Double(1 << 30)
        return gb >= 1 ? String(format: "%.1f GB", gb) : String(format: "%.0f MB", Double(bytes) / Double(1 << 20))
    }
}
