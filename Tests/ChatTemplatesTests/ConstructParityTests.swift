import ChatTemplates
import Foundation
import Testing

/// Small templates, one per construct and corner case, against jinja2 configured as transformers
/// configures it (Fixtures/chat/constructs.json, from tools/chat/make_construct_fixtures.py).
@Suite struct ConstructParityTests {
    @Test func everyConstructRendersAsJinja2() throws {
        let fixture = try Fixtures.load("constructs.json")
        let now = Fixtures.now(fixture["now"])
        let defaults = fixture["default_context"]!.context
        let cases = fixture["cases"]?.array ?? []
        #expect(cases.count >= 150)
        var failures: [String] = []
        for c in cases {
            let name = c["name"]?.string ?? "?"
            guard let source = c["template"]?.string, let expected = Expectation(c) else {
                failures.append("\(name): malformed fixture")
                continue
            }
            let context = c["context"]?.context ?? defaults
            if let problem = check(source: source, context: context, now: now, expected: expected) {
                failures.append("\(name): \(problem)\n  template: \(source.debugDescription.prefix(300))")
            }
        }
        for f in failures.prefix(25) { Issue.record(Comment(rawValue: f)) }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) construct cases differ from jinja2")
        print("constructs: \(cases.count - failures.count) of \(cases.count) cases match jinja2")
    }
}
