import Foundation
import ReverseAttention

/// The tutorial "Trace what the model wrote": generate a continuation greedily and trace every
/// written token back through the prompt and the tokens written before it.
func traceWhatTheModelWrote(model: String, output: String) throws {
    // @step 1
    let tracer = try ReverseAttentionTracer(loading: model)
    let prompt = tracer.tokenizer.encode("The quick brown fox")
    // @step 2
    let generation = try tracer.generate(promptIDs: prompt, maxNewTokens: 6)
    print("wrote:\(generation.text)")
    // @step 3
    for (n, trace) in generation.traces.enumerated() {
        let token = tracer.tokenizer.tokenString(generation.generatedIDs[n])
        print("token \(n + 1) \(token.debugDescription), traced from position \(trace.targetPos):")
        print("  \(trace.pathsText[0])")
    }
    // @step 4
    let tokens = (generation.promptIDs + generation.generatedIDs).map(tracer.tokenizer.tokenString)
    let page = try GenerationPage.write(generation, tokens: tokens, to: URL(fileURLWithPath: output))
    print("wrote \(page.lastPathComponent)")
    // @end
}
