import GGUF

/// Tensors of a GGUF file. GGUF lists dimensions innermost first; they are reversed here into
/// PyTorch order.
public final class GGUFWeights: WeightStore, @unchecked Sendable {
    public let file: GGUFFile
    public var path: String { file.path }

    public init(_ file: GGUFFile) { self.file = file }

    public func contains(_ name: String) -> Bool { file.tensor(named: name) != nil }

    public func tensor(_ name: String) throws(ModelError) -> WeightTensor {
        guard let info = file.tensor(named: name) else {
            throw ModelError("\(file.path): missing tensor \"\(name)\"")
        }
        return WeightTensor(
            name: name, shape: info.dimensions.reversed(), type: info.type,
            data: file.data(of: info).baseAddress!, owner: file, file: file.path)
    }
}
