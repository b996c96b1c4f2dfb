import Foundation

/// Where the float32 copies of quantized or half-precision weights live.
///
/// Fresh memory is expensive to touch (the kernel zeroes every page; measured here, about 1.5 s
/// per GB), so a single pass is fastest streaming one layer at a time through a reused buffer,
/// while repeated passes are fastest with the weights kept.
public enum WeightResidency: String, Sendable, CaseIterable {
    /// Each matrix is dequantized on first use and kept, so later passes start at once. The
    /// reference (transformers) keeps float32 weights in memory too.
    case cached
    /// One layer at a time is dequantized into a scratch buffer on every pass: memory stays at
    /// one layer's weights, whatever the model's size.
    case streamed
    /// The first pass streams; later passes keep the weights when they take at most a quarter
    /// of physical memory, else stream too. Best for one pass and for many.
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
/// lifetime or into the pass's scratch (see `WeightResidency`).
final class FloatWeights: @unchecked Sendable {
    let store: WeightStore
    let names: TensorNames
    let config: ModelConfig
    let residency: WeightResidency
    /// Bytes of float32 the layers' tensors that are not read in place take once dequantized.
    let dequantizedBytes: Int
    /// Elements a pass's scratch needs to hold the dequantized weights of any one layer.
    let layerScratchCount: Int
    private let lock = NSLock()
    private var passes = 0
    /// Float32 data by tensor name: in the mapping, or in `owned`.
    private var ready: [String: UnsafePointer<Float>] = [:]
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    init(store: WeightStore, names: TensorNames, config: ModelConfig, residency: WeightResidency) throws(ModelError) {
        self.store = store
        self.names = names
        self.config = config
        self.residency = residency
        var total = 0, largestLayer = 0
        for l in 0..<config.layerCount {
            var layer = 0
            for name in Self.tensorNames(names.layer(l), bias: config.attentionBias) {
                let t = try store.tensor(name)
                if !Self.readsInPlace(t) { layer += t.elementCount }
            }
            total += layer
            largestLayer = max(largestLayer, layer)
        }
        dequantizedBytes = 4 * total
        layerScratchCount = largestLayer
    }

    /// Float32 tensors aligned for BLAS are multiplied where they lie in the mapped file.
    private static func readsInPlace(_ t: WeightTensor) -> Bool {
        t.type == .f32 && Int(bitPattern: t.data) % MemoryLayout<Float>.alignment == 0
    }

    /// Whether weights are kept from the second pass on (`automatic`) or from the first (`cached`).
    var keepsDequantized: Bool {
        switch residency {
        case .cached: true
        case .streamed: false
        case .automatic: UInt64(dequantizedBytes) <= ProcessInfo.processInfo.physicalMemory / 4
        }
    }

    /// Bytes of dequantized weights held now.
    var keptBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        return owned.reduce(0) { $0 + 4 * $1.count }
    }

    /// Called once per pass: whether this pass streams its weights through a scratch buffer.
    func startPass() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        passes += 1
        let streams = switch residency {
        case .cached: false
        case .streamed: true
        case .automatic: passes == 1 || !keepsDequantized
        }
        return streams && dequantizedBytes > 0
    }

    deinit { for buffer in owned { buffer.deallocate() } }

    /// Elements `name` needs in a pass's scratch: 0 when it is read in place or already kept.
    func scratchCount(_ name: String) throws(ModelError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if ready[name] != nil { return 0 }
        let t = try store.tensor(name)
        return Self.readsInPlace(t) ? 0 : t.elementCount
    }

    /// Layer `index`'s weights; `scratch` (of `layerScratchCount` elements) receives the
    /// dequantized ones when the pass streams, else (nil) they are dequantized once and kept.
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

    /// One tensor as float32. With a scratch, a tensor that is not ready is dequantized there and
    /// `scratch` advances past it; without, it is dequantized once and kept.
    func floats(_ name: String, scratch: inout UnsafeMutablePointer<Float>?) throws(ModelError) -> UnsafePointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        if let done = ready[name] { return done }
        let t = try store.tensor(name)
        if Self.readsInPlace(t) {
            let inPlace = t.data.assumingMemoryBound(to: Float.self)
            try t.checkFinite(inPlace, count: t.elementCount)
            ready[name] = inPlace
            return inPlace
        }
        if let destination = scratch {
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

    /// One tensor as float32, dequantized once and kept unless it is read in place.
    func floats(_ name: String) throws(ModelError) -> UnsafePointer<Float> {
        var noScratch: UnsafeMutablePointer<Float>? = nil
        return try floats(name, scratch: &noScratch)
    }

    static func tensorNames(_ n: LayerTensorNames, bias: Bool) -> [String] {
        [n.attentionNorm, n.query, n.key, n.value, n.attentionOutput, n.mlpNorm, n.gate, n.up, n.down]
            + (bias ? [n.queryBias, n.keyBias, n.valueBias] : [])
    }
}

