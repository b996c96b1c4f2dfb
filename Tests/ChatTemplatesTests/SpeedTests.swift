import ChatTemplates
import Foundation
import Testing

/// How long a render takes once the template is parsed (printed, not asserted: the machine is shared).
@Suite struct SpeedTests {
    @Test func qwenTemplateRendersFourMessagesQuickly() throws {
        let url = Fixtures.folder.appendingPathComponent("templates/qwen3.jinja")
        let template = try ChatTemplate(source: String(contentsOf: url, encoding: .utf8))
        let messages: TemplateValue = [
            ["role": "system", "content": "You are a helpful assistant."],
            ["role": "user", "content": "What is the capital of France?"],
            ["role": "assistant", "content": "<think>\nEasy.\n</think>\n\nParis."],
            ["role": "user", "content": "And of Italy?"],
        ]
        let context: [String: TemplateValue] = [
            "messages": messages, "add_generation_prompt": true, "tools": .none, "documents": .none,
            "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
        ]
        let expected = try template.render(context)
        #expect(expected.hasPrefix("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"))
        #expect(expected.hasSuffix("<|im_start|>assistant\n"))
        let runs = 2000
        let clock = ContinuousClock()
        var last = ""
        let elapsed = try clock.measure {
            for _ in 0..<runs { last = try template.render(context) }
        }
        #expect(last == expected)
        let perRender = elapsed / runs
        print("qwen3 template, 4 messages: \(perRender) per render (\(runs) renders after one parse)")
    }
}
