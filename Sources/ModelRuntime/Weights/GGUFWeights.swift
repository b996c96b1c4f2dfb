import GGUF

/// Tensors of a GGUF file. GGUF lists dimensions innermost first; they are reversed here into
/// PyTorch order.
public final class GGUFWeights: WeightStore, @unchecked Sendable {
    /// The parsed GGUF file the tensors are read from.
    public let file: GGUFFile
    /// The GGUF file's path.
    public var path: String { file.path }

    /// The tensors of `file`, read in place from its mapping.
    public init(_ file: GGUFFile) { self.file = file }

    /// Whether the file has a tensor with this GGUF name (`blk.0.attn_q.weight`).
    public func contains(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// The tensor called `name` in the GGUF file, read in place; an error names a missing one.
    public func tensor(_ name: String) throws(ModelError) -> WeightTensor {
        guard let info = file.tensor(named: name) else {
            throw ModelError("\(file.path): missing tensor \"\(name)\"")
        }
        return WeightTensor(
            name: name, shape: info.dimensions.reversed(), type: info.type,
            data: file.data(of: info).baseAddress!, owner: file, file: file.path)
    }
}
