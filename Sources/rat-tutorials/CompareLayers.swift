import Foundation
import ReverseAttention

/// The tutorial "Compare layers in the explorer": trace one sentence at several layers, see how
/// the best path changes with depth, and write a page that explores every layer.
func compareLayers(model: String, output: String) throws {
    // @step 1
    let tracer = try ReverseAttentionTracer(loading: model)
    let text = "The quick brown fox jumps over the lazy dog."
    let layers = tracer.model.config.layerCount
    print("\(layers) layers")
    // @step 2
    for layer in [0, 1, 2, 10, 20, layers - 1] {
        let (result, _) = try tracer.traceText(text, layer: layer)
        print("layer \(layer): \(result.pathsText[0])")
    }
    // @step 3
    let (explored, _) = try tracer.traceText(text, explore: .all)
    let kept = explored.explorer!.candidates
    let mean = kept.aggregations.firstIndex(of: .mean)!
    for (index, layer) in kept.layers.enumerated() where layer % 5 == 0 || layer == layers - 1 {
        let strongest = kept.candidates(layerIndex: index, aggregationIndex: mean, position: explored.targetPos)[0]
        let weight = String(format: "%.3f", strongest.weight)
        print("layer \(layer): \(explored.tokens[explored.targetPos].debugDescription) attends most to \(explored.tokens[strongest.position].debugDescription) (\(weight))")
    }
    // @step 4
    let page = try tracer.renderHTML(explored, outDir: output)
    print("wrote \(page.lastPathComponent)")
    // @end
}
