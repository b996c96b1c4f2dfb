import Foundation
import ReverseAttention

/// The tutorial "Trace a sentence and read the page": load a model, trace the sentence's last
/// token, print the paths, name the best one, and write the page.
func traceASentence(model: String, output: String) throws {
    // @step 1
    let tracer = try ReverseAttentionTracer(loading: model)
    // @step 2
    let (result, _) = try tracer.traceText("The quick brown fox jumps over the lazy dog.")
    for line in result.pathsText { print(line) }
    // @step 3
    let best = result.beams[0]
    print("best: \(best.tokens.joined(separator: " <- ")) at positions \(best.positions)")
    // @step 4
    let page = try tracer.renderHTML(result, outDir: output)
    print("wrote \(page.lastPathComponent) and trace.json")
    // @end
}
