import ChatTemplates
import Foundation
import Testing

/// Real chat templates (Fixtures/chat/templates) rendered for hand-written conversations, against
/// transformers' renderings (Fixtures/chat/renderings.json, from tools/chat/make_template_fixtures.py).
@Suite struct TemplateParityTests {
    @Test func realTemplatesRenderAsTransformers() throws {
        let fixture = try Fixtures.load("renderings.json")
        let now = Fixtures.now(fixture["now"])
        let cases = fixture["cases"]?.array ?? []
        #expect(cases.count >= 500)
        var parsed: [String: Result<ChatTemplate, TemplateError>] = [:]
        var failures: [String] = []
        var rendered = 0
        for c in cases {
            guard let name = c["template"]?.string, let conversationName = c["conversation"]?.string,
                case .bool(let addGenerationPrompt)? = c["add_generation_prompt"], let expected = Expectation(c),
                let conversation = fixture["conversations"]?[conversationName],
                let special = fixture["templates"]?[name]?["special_tokens"]
            else {
                failures.append("malformed case \(c)")
                continue
            }
            if parsed[name] == nil {
                let url = Fixtures.folder.appendingPathComponent("templates/\(name).jinja")
                let source = try String(contentsOf: url, encoding: .utf8)
                parsed[name] = Result { () throws(TemplateError) in try ChatTemplate(source: source) }
            }
            var context = special.context
            context["messages"] = conversation["messages"]
            context["tools"] = conversation["tools"] ?? TemplateValue.none
            context["documents"] = TemplateValue.none
            context["add_generation_prompt"] = .bool(addGenerationPrompt)
            let label = "\(name) × \(conversationName), add_generation_prompt=\(addGenerationPrompt)"
            switch parsed[name]! {
            case .failure(let error):
                failures.append("\(label): the template does not parse: \(error)")
            case .success(let template):
                if let problem = Self.compare(template, context, now, expected) {
                    failures.append("\(label): \(problem)")
                } else if case .output = expected {
                    rendered += 1
                }
            }
        }
        for f in failures.prefix(20) { Issue.record(Comment(rawValue: f)) }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) renderings differ from transformers")
        print("renderings: \(cases.count - failures.count) of \(cases.count) cases of \(parsed.count) templates match "
              + "transformers (\(rendered) texts, the rest expected errors)")
    }

    static func compare(_ template: ChatTemplate, _ context: [String: TemplateValue], _ now: Date,
                        _ expected: Expectation) -> String?
    {
        let result = Result { () throws(TemplateError) in try template.render(context, now: now) }
        switch (expected, result) {
        case (.output(let want), .success(let got)):
            return want == got ? nil : "output differs:\n\(diffExcerpt(want, got))"
        case (.output, .failure(let error)):
            return "expected text, got error: \(error)"
        case (.error(let type, let message), .success(let got)):
            return "expected \(type): \(message), got text \(got.debugDescription.prefix(300))"
        case (.error(let type, let message), .failure(let error)):
            // The message a user sees must be jinja2's for raise_exception and undefined values;
            // for Python's TypeErrors only the kind is checked.
            switch type {
            case "TemplateError": return error.kind == .raised && error.message == message ? nil : "expected raise: \(message), got \(error)"
            case "UndefinedError": return error.kind == .undefined && error.message == message ? nil : "expected undefined: \(message), got \(error)"
            default: return error.kind == .runtime ? nil : "expected \(type): \(message), got \(error)"
            }
        }
    }
}
