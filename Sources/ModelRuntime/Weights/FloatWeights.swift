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

/// One layer's weights by role, ready for the pass: float32 pointers for BLAS, and, in a pass of
/// a few positions, the matrices read in their stored blocks instead. Pointers stay valid for the pass.
struct LayerWeights {
    var byRole: [TensorRole: UnsafePointer<Float>] = [:]
    var stored: [TensorRole: StoredMatrix] = [:]

    subscript(_ role: TensorRole) -> UnsafePointer<Float>? { byRole[role] }

    /// A role the layer's spec requires (checked at load, so always there).
    func required(_ role: TensorRole) -> UnsafePointer<Float> {
        guard let p = byRole[role] else { preconditionFailure("layer weights lack \(role), which the load checked") }
        return p
    }

    /// A required matrix, in whichever form the pass has it.
    func matrix(_ role: TensorRole) -> Matrix {
        if let m = stored[role] { return .stored(m) }
        return .floats(required(role))
    }
}

/// A weight matrix `[outputs][inputs]` as a product reads it.
enum Matrix {
    /// Float32, row-major, for BLAS.
    case floats(UnsafePointer<Float>)
    /// In its file's blocks (see `StoredMatrix`).
    case stored(StoredMatrix)
}

/// Float32 views of a model's weights. Float32 tensors are read in place from the mapped file
/// (checked once for NaN); every other type, and every tensor stored transposed, is converted,
/// into memory kept for the model's lifetime or into the pass's scratch (see `WeightResidency`).
/// Fused tensors (Phi-3's `qkv_proj`) and stacked experts are converted once and sliced.
final class FloatWeights: @unchecked Sendable {
    let store: WeightStore
    let residency: WeightResidency
    /// Each layer's roles and where they come from.
    let layerSources: [[(TensorRole, TensorSource)]]
    /// Bytes of float32 the layers' tensors that are not read in place take once converted.
    let dequantizedBytes: Int
    /// The same for the tensors a pass of stored products still converts (see `storedPassScratchCount`).
    let unstoredBytes: Int
    /// Elements a pass's scratch needs to hold the converted weights of any one layer.
    let layerScratchCount: Int
    /// The same for a pass of stored products: only what the kernel cannot read in its blocks
    /// (usually nothing, so such a pass needs no scratch).
    let storedPassScratchCount: Int
    private let lock = NSLock()
    private var passes = 0
    /// Float32 data of whole tensors (by name and orientation): in the mapping, or in `owned`.
    private var ready: [TensorKey: UnsafePointer<Float>] = [:]
    private var owned: [UnsafeMutableBufferPointer<Float>] = []

    /// A whole tensor as the pass reads it.
    struct TensorKey: Hashable {
        var name: String
        var transposed: Bool
    }

    init(store: WeightStore, layerSources: [[(TensorRole, TensorSource)]], residency: WeightResidency) throws(ModelError) {
        self.store = store
        self.residency = residency
        self.layerSources = layerSources
        var total = 0, totalUnstored = 0, largestLayer = 0, largestUnstored = 0
        for sources in layerSources {
            var layer = 0, unstored = 0
            var seen = Set<TensorKey>()
            for (_, source) in sources where seen.insert(Self.key(source)).inserted {
                let t = try store.tensor(source.name)
                if !Self.readsInPlace(t, source) {
                    layer += t.elementCount
                    if StoredMatrix(t, source) == nil { unstored += t.elementCount }
                }
            }
            total += layer
            totalUnstored += unstored
            largestLayer = max(largestLayer, layer)
            largestUnstored = max(largestUnstored, unstored)
        }
        dequantizedBytes = 4 * total
        unstoredBytes = 4 * totalUnstored
        layerScratchCount = largestLayer
        storedPassScratchCount = largestUnstored
    }

    private static func key(_ s: TensorSource) -> TensorKey { TensorKey(name: s.name, transposed: s.transposed) }

    /// Float32 tensors aligned for BLAS, in the order the pass reads, are multiplied where they lie.
    private static func readsInPlace(_ t: WeightTensor, _ s: TensorSource) -> Bool {
        !s.transposed && t.type == .f32 && Int(bitPattern: t.data) % MemoryLayout<Float>.alignment == 0
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
        return streams(pass: passes)
    }

    private func streams(pass: Int) -> Bool {
        let streams = switch residency {
        case .cached: false
        case .streamed: true
        case .automatic: pass == 1 || !keepsDequantized
        }
        return streams && dequantizedBytes > 0
    }

    /// Bytes the next pass will allocate for float32 weights: its scratch when it streams, else
    /// the converted tensors it will keep that are not kept yet (for the memory budget).
    func bytesForNextPass(storedProducts: Bool) -> Int {
        lock.lock()
        let streaming = streams(pass: passes + 1)
        lock.unlock()
        if streaming { return 4 * (storedProducts ? storedPassScratchCount : layerScratchCount) }
        return max(0, (storedProducts ? unstoredBytes : dequantizedBytes) - keptBytes)
    }

    deinit { for buffer in owned { buffer.deallocate() } }

    /// Elements `source` needs in a pass's scratch: 0 when it is read in place or already kept.
    func scratchCount(_ source: TensorSource) throws(ModelError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if ready[Self.key(source)] != nil { return 0 }
        let t = try store.tensor(source.name)
        return Self.readsInPlace(t, source) ? 0 : t.elementCount
    }

    /// Layer `index`'s weights; `scratch` (of `layerScratchCount` elements) receives the converted
    /// ones when the pass streams, else (nil) they are converted once and kept.
    /// With `stored`, every matrix the kernel reads in its blocks is handed over as it lies
    /// (`StoredMatrix`) and only the rest is converted (then kept: such a pass has no scratch).
    func layer(_ index: Int, scratch: UnsafeMutablePointer<Float>?, stored: Bool = false) throws(ModelError) -> LayerWeights {
        var next = scratch
        var converted: [TensorKey: UnsafePointer<Float>] = [:]
        var w = LayerWeights()
        for (role, source) in layerSources[index] {
            if stored, let matrix = try storedMatrix(source) {
                w.stored[role] = matrix
            } else {
                w.byRole[role] = try floats(source, scratch: &next, converted: &converted)
            }
        }
        return w
    }

    /// `source` as the kernel reads it in its blocks, or nil when it must be converted.
    func storedMatrix(_ source: TensorSource) throws(ModelError) -> StoredMatrix? {
        StoredMatrix(try store.tensor(source.name), source)
    }

    /// One role's float32 data. With a scratch, a whole tensor that is not ready is converted there
    /// (once per layer: `converted`) and `scratch` advances past it; without, it is converted once and kept.
    func floats(_ source: TensorSource, scratch: inout UnsafeMutablePointer<Float>?,
                converted: inout [TensorKey: UnsafePointer<Float>]) throws(ModelError) -> UnsafePointer<Float> {
        let t = try store.tensor(source.name)
        let base = try whole(t, source, scratch: &scratch, converted: &converted)
        // Offsets into fused and stacked tensors (shapes were checked at load).
        let shape = source.transposed ? t.shape.reversed() : t.shape
        let columns = shape.count >= 2 ? shape[shape.count - 1] : 1
        var offset = 0
        if let e = source.expert { offset += e * (t.elementCount / shape[0]) }
        if let rows = source.rows { offset += rows.lowerBound * columns }
        return base + offset
    }

    private func whole(_ t: WeightTensor, _ source: TensorSource, scratch: inout UnsafeMutablePointer<Float>?,
                       converted: inout [TensorKey: UnsafePointer<Float>]) throws(ModelError) -> UnsafePointer<Float> {
        let key = Self.key(source)
        lock.lock()
        defer { lock.unlock() }
        if let done = ready[key] ?? converted[key] { return done }
        if Self.readsInPlace(t, source) {
            let inPlace = t.data.assumingMemoryBound(to: Float.self)
            try t.checkFinite(inPlace, count: t.elementCount)
            ready[key] = inPlace
            return inPlace
        }
        if let destination = scratch {
            try convert(t, source, into: destination)
            scratch = destination + t.elementCount
            converted[key] = UnsafePointer(destination)
            return UnsafePointer(destination)
        }
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: t.elementCount)
        do { try convert(t, source, into: buffer.baseAddress!) } catch { buffer.deallocate(); throw error }
        owned.append(buffer)
        ready[key] = UnsafePointer(buffer.baseAddress!)
        return UnsafePointer(buffer.baseAddress!)
    }

    /// Dequantizes, and transposes a `[in][out]` matrix into `[out][in]`.
    private func convert(_ t: WeightTensor, _ source: TensorSource, into destination: UnsafeMutablePointer<Float>) throws(ModelError) {
        guard source.transposed else { return try t.dequantize(into: destination) }
        let plain = try t.floats()
        let (rows, columns) = (t.shape[0], t.elementCount / max(t.shape[0], 1))
        plain.withUnsafeBufferPointer { p in
            for r in 0..<rows {
                for c in 0..<columns { destination[c * rows + r] = p[r * columns + c] }
            }
        }
    }

    /// A model-level tensor as float32: into `scratch` when given (a streaming pass's LM head),
    /// else converted once and kept unless it is read in place.
    func floats(_ source: TensorSource, scratch: UnsafeMutablePointer<Float>? = nil) throws(ModelError) -> UnsafePointer<Float> {
        var next = scratch
        var converted: [TensorKey: UnsafePointer<Float>] = [:]
        return try floats(source, scratch: &next, converted: &converted)
    }
}
