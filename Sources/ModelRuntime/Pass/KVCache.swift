/// Keys and values of every layer for the positions a model has seen so far (llama2.c's
/// `key_cache` / `value_cache`): a pass with a cache attends to them, appends its own, and
/// rotates its queries and keys from `count` on. Keys are stored after the rotary embedding, as
/// transformers caches them.
public final class KVCache: @unchecked Sendable {
    /// Positions cached so far.
    public private(set) var count = 0
    let layers: Int
    /// Floats per position per layer (`kvHeads · headDim`).
    let width: Int
    private(set) var capacity: Int
    private(set) var keys: [UnsafeMutablePointer<Float>]
    private(set) var values: [UnsafeMutablePointer<Float>]

    /// An empty cache for `model`, with room for `capacity` positions (it grows as needed).
    public init(for model: CausalLanguageModel, capacity: Int = 256) {
        layers = model.config.layerCount
        width = model.config.kvHeadCount * model.config.headDim
        self.capacity = max(1, capacity)
        keys = (0..<layers).map { _ in .allocate(capacity: max(1, capacity) * model.config.kvHeadCount * model.config.headDim) }
        values = (0..<layers).map { _ in .allocate(capacity: max(1, capacity) * model.config.kvHeadCount * model.config.headDim) }
    }

    deinit {
        for p in keys { p.deallocate() }
        for p in values { p.deallocate() }
    }

    /// Bytes held.
    public var bytes: Int { 2 * layers * capacity * width * 4 }

    /// Makes room for `total` positions (doubling), keeping what is cached.
    func reserve(_ total: Int) {
        guard total > capacity else { return }
        var grown = capacity
        while grown < total { grown *= 2 }
        func move(_ old: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
            let new = UnsafeMutablePointer<Float>.allocate(capacity: grown * width)
            new.update(from: old, count: count * width)
            old.deallocate()
            return new
        }
        keys = keys.map(move)
        values = values.map(move)
        capacity = grown
    }

    /// Called by a pass that filled positions `count..<count + added` of every layer.
    func commit(_ added: Int) { count += added }

    /// Forgets positions from `position` on (to try another continuation).
    public func truncate(to position: Int) {
        count = min(count, max(0, position))
    }
}
