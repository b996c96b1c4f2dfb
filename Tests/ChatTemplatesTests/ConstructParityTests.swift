import ChatTemplates
import Foundation
import Testing

/// Small templates, one per construct and corner case, against jinja2 configured as transformers
/// configures it (Fixtures/chat/constructs.json, from tools/chat/make_construct_fixtures.py).
@Suite struct ConstructParityTests {
    @Test func everyConstructRendersAsJinja2() throws {
        try Self.run("constructs.json", minimum: 150, exactRuntimeMessages: true)
    }

    /// Random combinations of the same constructs (tools/chat/make_fuzz_fixtures.py, fixed seed).
    /// Python's wording of TypeErrors in odd combinations is not reproduced, only their kind.
    @Test func randomTemplatesRenderAsJinja2() throws {
        try Self.run("fuzz.json", minimum: 1000, exactRuntimeMessages: false)
    }

    static func run(_ file: String, minimum: Int, exactRuntimeMessages: Bool) throws {
        let fixture = try Fixtures.load(file)
        let now = Fixtures.now(fixture["now"])
        let defaults = fixture["default_context"]!.context
        let cases = fixture["cases"]?.array ?? []
        #expect(cases.count >= minimum)
        var failures: [String] = []
        for c in cases {
            let name = c["name"]?.string ?? "?"
            guard let source = c["template"]?.string, let expected = Expectation(c) else {
                failures.append("\(name): malformed fixture")
                continue
            }
            let context = c["context"]?.context ?? defaults
            if let problem = check(source: source, context: context, now: now, expected: expected,
                                   exactRuntimeMessages: exactRuntimeMessages)
            {
                failures.append("\(name): \(problem)\n  template: \(source.debugDescription.prefix(300))")
            }
        }
        for f in failures.prefix(25) { Issue.record(Comment(rawValue: f)) }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) cases of \(file) differ from jinja2")
        print("\(file): \(cases.count - failures.count) of \(cases.count) cases match jinja2")
    }
}
