import CKernels
import GGUF

/// One weight tensor in place in its (memory-mapped) file, with what is needed to turn it into
/// float32 on demand. `shape` is in PyTorch order (`[out, in]` for a linear layer).
public struct WeightTensor: @unchecked Sendable {
    /// The tensor's name in its file.
    public let name: String
    /// Sizes in PyTorch order, outermost first.
    public let shape: [Int]
    /// How the elements are stored (safetensors tensors are F32, F16 or BF16).
    public let type: GGUFTensorType
    let data: UnsafeRawPointer
    /// Keeps the mapping alive while the tensor is in use.
    let owner: AnyObject
    let file: String

    /// The number of elements: the product of `shape`.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Elements per row (the innermost axis).
    public var rowLength: Int { shape.last ?? 1 }

    /// The whole tensor as float32.
    public func floats() throws(ModelError) -> [Float] {
        var out = [Float](repeating: 0, count: elementCount)
        try out.withUnsafeMutableBufferPointer { (b) throws(ModelError) in try dequantize(into: b.baseAddress!) }
        return out
    }

    /// One row of a 2-D tensor as float32.
    public func floats(row: Int) throws(ModelError) -> [Float] {
        guard shape.count == 2, row >= 0, row < shape[0] else {
            throw ModelError("\(file): tensor \"\(name)\" has no row \(row) (shape \(shape))")
        }
        var out = [Float](repeating: 0, count: rowLength)
        try out.withUnsafeMutableBufferPointer { (b) throws(ModelError) in try dequantizeRow(row, into: b.baseAddress!) }
        return out
    }

    /// Dequantizes the whole tensor (rows split over the cores); a NaN or infinity is an error
    /// naming the tensor.
    func dequantize(into destination: UnsafeMutablePointer<Float>) throws(ModelError) {
        let rows = shape.count >= 2 ? elementCount / rowLength : 1
        let width = rows > 1 ? rowLength : elementCount
        let bytesPerRow = width / type.blockSize * type.bytesPerBlock
        let (type, data) = (self.type, self.data)
        parallelChunks(rows) { range in
            Dequantize.run(type, from: data + range.lowerBound * bytesPerRow, count: range.count * width,
                           into: destination + range.lowerBound * width)
        }
        try checkFinite(destination, count: elementCount)
    }

    /// Dequantizes row `row` of a 2-D tensor (an embedding lookup).
    func dequantizeRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) throws(ModelError) {
        let bytesPerRow = rowLength / type.blockSize * type.bytesPerBlock
        Dequantize.run(type, from: data + row * bytesPerRow, count: rowLength, into: destination)
        try checkFinite(destination, count: rowLength)
    }

    func checkFinite(_ values: UnsafePointer<Float>, count: Int) throws(ModelError) {
        if rat_all_finite(values, count) == 0 {
            throw ModelError("\(file): tensor \"\(name)\" contains NaN or infinite values")
        }
    }

    /// Checks the shape against what the architecture expects.
    func expect(_ expected: [Int]) throws(ModelError) {
        guard shape == expected else {
            throw ModelError("\(file): tensor \"\(name)\" has shape \(shape), expected \(expected)")
        }
    }
}

/// Where an architecture finds its tensors: a GGUF file or a safetensors checkpoint.
public protocol WeightStore: AnyObject, Sendable {
    /// The file or folder the tensors come from, named in errors.
    var path: String { get }
    /// The tensor called `name`, or an error naming the file and the missing tensor.
    func tensor(_ name: String) throws(ModelError) -> WeightTensor
    /// Whether the store has a tensor called `name`.
    func contains(_ name: String) -> Bool
}
