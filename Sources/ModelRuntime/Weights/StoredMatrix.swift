import CKernels
import GGUF

/// A weight matrix multiplied where it lies in the file, in its stored blocks (GGUF quantized,
/// float16, bfloat16 or float32), by `rat_quantized_matmul`. For passes of a few positions (a
/// generation step): there a product reads each weight once, so reading the quantized bytes
/// instead of a float32 copy 4 to 8 times their size is what sets the speed, and no float32
/// copy is made at all. Activations stay float32; the dequantization is ggml's.
struct StoredMatrix: @unchecked Sendable {
    let type: GGUFTensorType
    let data: UnsafeRawPointer
    let rowBytes: Int
    /// `[rows][columns]`: output features by input features.
    let rows: Int, columns: Int
    /// The tensor the rows come from (its file, name, and the mapping kept alive).
    let tensor: WeightTensor

    /// `source` of `tensor` in its blocks, or nil when it has to be converted first (a
    /// transposed or 1-D tensor, or rows the kernel cannot split into whole blocks).
    init?(_ tensor: WeightTensor, _ source: TensorSource) {
        guard !source.transposed, tensor.shape.count >= 2 else { return nil }
        let columns = tensor.rowLength, runLength = Int(rat_quantized_block_size(Int32(tensor.type.rawValue)))
        guard columns % tensor.type.blockSize == 0, columns % runLength == 0 else { return nil }
        let rowBytes = columns / tensor.type.blockSize * tensor.type.bytesPerBlock
        let matrixRows = tensor.shape[tensor.shape.count - 2]
        var first = 0, count = matrixRows
        if let e = source.expert { first += e * matrixRows }
        if let slice = source.rows {
            first += slice.lowerBound
            count = slice.count
        }
        type = tensor.type
        data = tensor.data + first * rowBytes
        self.rowBytes = rowBytes
        rows = count
        self.columns = columns
        self.tensor = tensor
    }

    /// out[i · ldo + r] = Σ_c W[r][c] · x[i · columns + c] for the output rows `outputs` and the
    /// activation rows i < n.
    func multiply(_ x: UnsafePointer<Float>, rows n: Int, outputs: Range<Int>, into out: UnsafeMutablePointer<Float>, ldo: Int) {
        rat_quantized_matmul(Int32(type.rawValue), data + outputs.lowerBound * rowBytes, rowBytes, outputs.count, columns,
                             x, columns, n, out + outputs.lowerBound, ldo)
    }

    /// Throws the tensor's NaN error (as the float32 path's conversion does) unless every weight
    /// is finite, dequantized row by row: asked only once a product has gone non-finite, to name
    /// the tensor at fault.
    func requireFinite() throws(ModelError) {
        var row = [Float](repeating: 0, count: columns)
        try row.withUnsafeMutableBufferPointer { (row) throws(ModelError) in
            for r in 0..<rows {
                rat_dequantize_rows(Int32(type.rawValue), data + r * rowBytes, rowBytes, 1, columns, row.baseAddress!)
                try tensor.checkFinite(row.baseAddress!, count: columns)
            }
        }
    }
}

extension StoredMatrix {
    /// The most positions a pass multiplies in stored blocks: each weight row is dequantized once
    /// per 8 activation rows there, so beyond a few the float32 copy and BLAS are faster.
    static let rowsMax = 8
}

extension CausalLanguageModel {
    /// Passes of at most this many positions multiply the weights in their stored blocks.
    public static var storedPassPositions: Int { StoredMatrix.rowsMax }
}
