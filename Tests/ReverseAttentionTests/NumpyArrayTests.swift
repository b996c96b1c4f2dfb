import Foundation
import ReverseAttention
import Testing

@Suite struct NumpyArrayTests {
    func npy(descr: String = "<f4", fortran: String = "False", shape: String = "(2, 2)", payload: [UInt8]? = nil, version: UInt8 = 1) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        d.append(contentsOf: [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        if let payload { d.append(contentsOf: payload) } else {
            for v: Float in [1, 0, 0.25, 0.75] { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        }
        return d
    }

    func message(_ data: Data) -> String? {
        do { _ = try NumpyArray(npy: data) } catch { return error.message }
        return nil
    }

    @Test func readsWhatNumpyWrote() throws {
        // Written by numpy.save (tools/paths/make_fixtures.py).
        let a = try NumpyArray(contentsOf: fixturesDirectory.appendingPathComponent("paths/matrices/smollm2_t0_l0_mean.npy"))
        #expect(a.shape.count == 2 && a.shape[0] == a.shape[1])
        #expect(a.values[0] == 1)  // the first token attends only to itself
        let row = 3
        let sum = (0...row).map { a.values[row * a.shape[0] + $0] }.reduce(0, +)
        #expect(abs(sum - 1) < 1e-5)
    }

    @Test func roundTripsAndReadsEveryFloatLayout() throws {
        let a = NumpyArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5])
        let data = a.npyData()
        #expect(try NumpyArray(npy: data) == a)
        #expect((data.count - 6 * 4) % 64 == 0)
        #expect(try NumpyArray(npy: npy()) == NumpyArray(shape: [2, 2], values: [1, 0, 0.25, 0.75]))
        var big: [UInt8] = []
        for v: Double in [1, 0, 0.25, 0.75] { withUnsafeBytes(of: v.bitPattern.bigEndian) { big.append(contentsOf: $0) } }
        #expect(try NumpyArray(npy: npy(descr: ">f8", payload: big)).values == [1, 0, 0.25, 0.75])
        #expect(try NumpyArray(npy: npy(shape: "(4,)")).shape == [4])
    }

    @Test func malformedFilesAreClearErrors() {
        #expect(message(Data("PK\u{3}\u{4}not numpy".utf8))!.contains("not a NumPy .npy file"))
        #expect(message(Data())!.contains("not a NumPy"))
        #expect(message(npy().prefix(30))!.contains("truncated .npy header"))
        #expect(message(npy().dropLast(3))!.contains("truncated .npy data"))
        #expect(message(npy(fortran: "True"))!.contains("Fortran"))
        #expect(message(npy(descr: "<i8"))!.contains("unsupported dtype '<i8'"))
        #expect(message(npy(descr: "<f2"))!.contains("unsupported dtype '<f2'"))
        #expect(message(npy(descr: "|O"))!.contains("unsupported dtype"))
        #expect(message(npy(shape: "(2, x)"))!.contains("malformed .npy header"))
        #expect(message(npy(version: 9))!.contains("unsupported .npy format version 9"))
        #expect(message(npy(shape: "(4611686018427387904, 4)"))!.contains("invalid shape") )
    }

    @Test func missingFileNamesThePath() {
        do {
            _ = try NumpyArray(contentsOf: URL(fileURLWithPath: "/nonexistent/a.npy"))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("/nonexistent/a.npy: cannot read"))
        }
    }
}
