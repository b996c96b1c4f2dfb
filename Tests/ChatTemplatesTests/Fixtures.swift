import ChatTemplates
import Foundation
import Testing

/// Fixtures/chat at the repository root: templates and the renderings jinja2 produced for them
/// (tools/chat/make_template_fixtures.py, tools/chat/make_construct_fixtures.py).
enum Fixtures {
    static let folder: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/chat")

    /// Parsed with ChatTemplates' own JSON reader, which keeps key order (it matters for `tojson`).
    static func load(_ name: String) throws -> TemplateValue {
        try TemplateValue(jsonData: Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// The fixed "now" the generators gave `strftime_now`, as a local time.
    static func now(_ fields: TemplateValue?) -> Date {
        var c = DateComponents()
        c.year = fields?["year"]?.int
        c.month = fields?["month"]?.int
        c.day = fields?["day"]?.int
        c.hour = fields?["hour"]?.int
        c.minute = fields?["minute"]?.int
        c.second = fields?["second"]?.int
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        return calendar.date(from: c)!
    }
}

extension TemplateValue {
    var string: String? { if case .string(let s) = self { return s } else { return nil } }
    var int: Int? { if case .int(let i) = self { return i } else { return nil } }
    var array: [TemplateValue]? { if case .array(let a) = self { return a } else { return nil } }
    var object: [(key: String, value: TemplateValue)]? { if case .object(let o) = self { return o } else { return nil } }

    /// An object as a render context.
    var context: [String: TemplateValue] {
        var d: [String: TemplateValue] = [:]
        for (k, v) in object ?? [] { d[k] = v }
        return d
    }
}

/// What a fixture expects: text, or an error jinja2 raised.
enum Expectation {
    case output(String)
    case error(type: String, message: String)

    init?(_ c: TemplateValue) {
        if let out = c["output"]?.string {
            self = .output(out)
        } else if let e = c["error"], let type = e["type"]?.string, let message = e["message"]?.string {
            self = .error(type: type, message: message)
        } else {
            return nil
        }
    }
}

/// Renders `source` and compares with `expected`; nil when they agree, else a short report.
///
/// jinja2's exception classes map onto TemplateError kinds; the message must match exactly for
/// the ones a template author can see (raise_exception, UndefinedError, SecurityError) and, with
/// `exactRuntimeMessages`, for Python's TypeError, ValueError and the like. Syntax errors only need to be syntax errors (rat's
/// messages name the construct and its line instead of jinja2's wording), and jinja2's
/// compile-time "No filter named" may come from rat at render time.
func check(source: String, context: [String: TemplateValue], now: Date, expected: Expectation,
           exactRuntimeMessages: Bool = true) -> String?
{
    let result: Result<String, TemplateError>
    do {
        let template = try ChatTemplate(source: source)
        result = Result { () throws(TemplateError) in try template.render(context, now: now) }
    } catch {
        result = .failure(error)
    }
    switch (expected, result) {
    case (.output(let want), .success(let got)):
        return want == got ? nil : "output differs:\n\(diffExcerpt(want, got))"
    case (.output(let want), .failure(let error)):
        return "expected output \(want.debugDescription.prefix(200)), got error: \(error)"
    case (.error(let type, let message), .success(let got)):
        return "expected \(type): \(message), got output \(got.debugDescription.prefix(200))"
    case (.error(let type, let message), .failure(let error)):
        let kinds: [TemplateError.Kind]
        var exact = true
        switch type {
        case "TemplateError": kinds = [.raised]
        case "UndefinedError": kinds = [.undefined]
        case "SecurityError": kinds = [.security]
        case "OverflowError": kinds = [.limit]
        case "TemplateSyntaxError", "SyntaxError":
            kinds = [.syntax, .limit]
            exact = false
        case "TemplateAssertionError":
            kinds = [.syntax, .unsupported]
            exact = false
        case _ where message == "no loader for this environment specified":
            // {% extends %}, {% include %}: jinja2 fails when rendering, rat when parsing.
            kinds = [.unsupported]
            exact = false
        default:
            // TypeError, ValueError, ZeroDivisionError, TemplateRuntimeError...
            kinds = [.runtime]
            exact = exactRuntimeMessages
        }
        if !kinds.contains(error.kind) { return "expected \(type): \(message), got \(error.kind): \(error)" }
        if exact, error.message != message { return "expected \(type): \(message), got message: \(error.message)" }
        return nil
    }
}

/// The first differing line of two texts, with a little context, for readable test failures.
func diffExcerpt(_ want: String, _ got: String) -> String {
    let a = want.split(separator: "\n", omittingEmptySubsequences: false)
    let b = got.split(separator: "\n", omittingEmptySubsequences: false)
    var line = 0
    while line < a.count, line < b.count, a[line] == b[line] { line += 1 }
    func show(_ lines: [Substring]) -> String {
        lines[max(0, line - 1)..<min(lines.count, line + 2)].map { "    " + String($0).debugDescription }.joined(separator: "\n")
    }
    return "  first difference at line \(line + 1)\n  expected:\n\(show(a))\n  got:\n\(show(b))"
}
