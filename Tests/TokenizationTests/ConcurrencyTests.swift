import Foundation
import GGUF
import Testing
import Tokenization

/// One `Tokenizer` shared by concurrent tasks gives the same ids as sequential use (it is
/// immutable after loading; each encode keeps its own word cache).
@Suite struct ConcurrencyTests {
    @Test(.enabled(if: Assets.haveSmolLM2, "SmolLM2 GGUF not in the asset cache"))
    func concurrentEncodesAgree() async throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: Assets.smolLM2GGUF.path))
        let cases = try GoldenFile.load("smollm2.json").cases
        let results = await withTaskGroup(of: (Int, [[Int]]).self) { group in
            for task in 0..<4 {
                group.addTask {
                    (task, cases.map { tokenizer.encode($0.text) })
                }
            }
            var all: [(Int, [[Int]])] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 4)
        for (task, ids) in results {
            #expect(ids == cases.map(\.ids), "task \(task) differs")
        }
    }
}
