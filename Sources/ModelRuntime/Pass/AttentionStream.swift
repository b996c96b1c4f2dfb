/// Where a pass sends the attention it captures as it computes it, instead of keeping each
/// captured layer's whole matrix: every block of query rows, once all its heads are done. The
/// pass's workers call it at the same time with disjoint rows, so it must be safe to call
/// concurrently; memory then stays linear in the text however many layers and heads are written.
public protocol AttentionStream: AnyObject, Sendable {
    /// Query rows `rows` of `layer` (resolved): `heads` blocks of `[rows.count][keys]`, row-major,
    /// in `values`; entries past each row's own position are 0.
    func write(layer: Int, heads: Int, rows: Range<Int>, keys: Int, values: UnsafePointer<Float>)
}
