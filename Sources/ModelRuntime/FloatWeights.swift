import Foundation

/// Where the float32 copies of quantized or half-precision weights live.
public enum WeightResidency: String, Sendable, CaseIterable {
    /// Each matrix is dequantized on first use and kept, so later passes start at once. The
    /// reference (transformers) keeps float32 weights in memory too.
    case cached
    /// One layer at a time is dequantized into a scratch buffer on every pass: memory stays at
    /// one layer's weights, for models whose float32 weights would not fit.
    case streamed
    /// `cached` when the float32 weights take at most a quarter of physical memory, else `streamed`.
    case automatic
}

/// The float32 matrices of one layer, ready for BLAS. Pointers stay valid for the pass.
struct LayerWeights {
    var attentionNorm, query, key, value, attentionOutput: UnsafePointer<Float>
    var queryBias, keyBias, valueBias: UnsafePointer<Float>?
    var mlpNorm, gate, up, down: UnsafePointer<Float>
}

/// Float32 views of a model's weights. Float32 tensors are read in place from the mapped file
/// (checked once for NaN); every other type is dequantized, into memory kept for the model's
/// lifetime (`cached`) or into the caller's per-pass scratch (`streamed`).
final class FloatWeights: @unchecked Sendable {
    let store: WeightStore
    let names: TensorNames
    let config: ModelConfig
    let keepsDequantized: Bool
    private let lock = NSLock()
    /// Float32 data by tensor name: in the mapping, or in `owned`.
    private var ready: [String: UnsafePointer<Float>] = [:]
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    init(store: WeightStore, names: TensorNames, config: ModelConfig, residency: WeightResidency) throws(ModelError) {
        self.store = store
        self.names = names
        self.config = config
        switch residency {
        case .cached: keepsDequantized = true
        case .streamed: keepsDequantized = false
        case .automatic:
            var bytes = 0
            for l in 0..<config.layerCount {
                for name in Self.tensorNames(names.layer(l), bias: config.attentionBias) {
                    let t = try store.tensor(name)
                    if t.type != .f32 { bytes += 4 * t.elementCount }
                }
            }
            keepsDequantized = UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory / 4
        }
    }

    deinit { for buffer in owned { buffer.deallocate() } }

    /// Elements a pass's scratch needs to hold one layer when weights are streamed (0 when cached).
    func layerScratchCount() throws(ModelError) -> Int {
        guard !keepsDequantized else { return 0 }
        var count = 0
        for name in Self.tensorNames(names.layer(0), bias: config.attentionBias) {
            let t = try store.tensor(name)
            if t.type != .f32 { count += t.elementCount }
        }
        return count
    }

    /// Layer `index`'s weights; `scratch` (of `layerScratchCount()` elements) receives the
    /// dequantized ones when weights are streamed.
    func layer(_ index: Int, scratch: UnsafeMutablePointer<Float>?) throws(ModelError) -> LayerWeights {
        let n = names.layer(index)
        var next = scratch
        func get(_ name: String) throws(ModelError) -> UnsafePointer<Float> {
            try floats(name, scratch: &next)
        }
        let bias = config.attentionBias
        return LayerWeights(
            attentionNorm: try get(n.attentionNorm), query: try get(n.query), key: try get(n.key),
            value: try get(n.value), attentionOutput: try get(n.attentionOutput),
            queryBias: bias ? try get(n.queryBias) : nil, keyBias: bias ? try get(n.keyBias) : nil,
            valueBias: bias ? try get(n.valueBias) : nil,
            mlpNorm: try get(n.mlpNorm), gate: try get(n.gate), up: try get(n.up), down: try get(n.down))
    }

    /// One tensor as float32. When streaming, a dequantized tensor is written at `scratch`, which
    /// then advances past it; otherwise (or with no scratch) it is dequantized once and kept.
    func floats(_ name: String, scratch: inout UnsafeMutablePointer<Float>?) throws(ModelError) -> UnsafePointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        if let done = ready[name] { return done }
        let t = try store.tensor(name)
        if t.type == .f32, Int(bitPattern: t.data) % MemoryLayout<Float>.alignment == 0 {
            let inPlace = t.data.assumingMemoryBound(to: Float.self)
            try t.checkFinite(inPlace, count: t.elementCount)
            ready[name] = inPlace
            return inPlace
        }
        if !keepsDequantized, let destination = scratch {
            try t.dequantize(into: destination)
            scratch = destination + t.elementCount
            return UnsafePointer(destination)
        }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: t.elementCount)
        do { try t.dequantize(into: buffer.baseAddress!) } catch { buffer.deallocate(); throw error }
        owned.append(buffer)
        ready[name] = UnsafePointer(buffer.baseAddress!)
        return UnsafePointer(buffer.baseAddress!)
    }

    static func tensorNames(_ n: LayerTensorNames, bias: Bool) -> [String] {
        [n.attentionNorm, n.query, n.key, n.value, n.attentionOutput, n.mlpNorm, n.gate, n.up, n.down]
            + (bias ? [n.queryBias, n.keyBias, n.valueBias] : [])
    }
}
