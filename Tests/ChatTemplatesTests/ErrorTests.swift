import ChatTemplates
import Foundation
import Testing

/// What users see when a template cannot be rendered: one line naming the construct and its
/// position, the template's own raise_exception message verbatim, and errors instead of crashes
/// or hangs for hostile templates.
@Suite struct ErrorTests {
    static func parseError(_ source: String) -> TemplateError? {
        do {
            _ = try ChatTemplate(source: source)
            return nil
        } catch {
            return error
        }
    }

    static func renderError(_ source: String, _ context: [String: TemplateValue] = [:]) -> TemplateError? {
        do {
            _ = try ChatTemplate(source: source).render(context)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownFilterNamesItAndItsLine() throws {
        let e = try #require(Self.renderError("a\nb\n  {{ messages|wordwrap2(3) }}", ["messages": ["x"]]))
        #expect(e.kind == .unsupported)
        #expect(e.description == "line 3, column 15: unknown filter 'wordwrap2'")
        #expect(!e.description.contains("\n"))
    }

    @Test func jinjaFiltersRatLacksAreNamedAsUnsupported() throws {
        let e = try #require(Self.renderError("{{ 'text'|wordwrap(10) }}"))
        #expect(e.kind == .unsupported)
        #expect(e.description == "line 1, column 11: unsupported filter 'wordwrap'")
    }

    @Test func unknownTestAndMethod() throws {
        let test = try #require(Self.renderError("{% if 3 is prime %}{% endif %}"))
        #expect(test.kind == .unsupported)
        #expect(test.description == "line 1, column 12: unknown test 'prime'")
        let method = try #require(Self.renderError("\n{{ 'x'.encode('utf-8') }}"))
        #expect(method.kind == .unsupported)
        #expect(method.description == "line 2, column 8: unsupported method 'str.encode'")
    }

    @Test func unknownAndUnsupportedStatementsFailAtParseTime() throws {
        let unknown = try #require(Self.parseError("line one\n{% frobnicate x %}"))
        #expect(unknown.kind == .syntax)
        #expect(unknown.description == "line 2, column 4: unknown statement 'frobnicate'")
        let include = try #require(Self.parseError("{% include 'other.jinja' %}"))
        #expect(include.kind == .unsupported)
        #expect(include.description == "line 1, column 4: unsupported statement 'include'")
    }

    @Test func raiseExceptionKeepsTheTemplatesMessage() throws {
        let source = """
            {%- for m in messages %}
            {%- if (m.role == 'user') != (loop.index0 % 2 == 0) %}
            {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- endfor %}
            """
        let messages: TemplateValue = [["role": "user", "content": "a"], ["role": "user", "content": "b"]]
        let e = try #require(Self.renderError(source, ["messages": messages]))
        #expect(e.kind == .raised)
        #expect(e.message == "Conversation roles must alternate user/assistant/user/assistant/...")
        #expect(e.description == "template raised: Conversation roles must alternate user/assistant/user/assistant/...")
        #expect(e.line == 3)
    }

    @Test func unterminatedTagsStringsAndBlocks() throws {
        let cases: [(String, String, Int)] = [
            ("text {{ x ", "unterminated '{{' tag: expected '}}'", 1),
            ("{% if x ", "unterminated '{%' tag: expected '%}'", 1),
            ("ok\n{{ 'abc }}", "unterminated string literal", 2),
            ("{# never closed", "unterminated comment: no '#}'", 1),
            ("{% raw %}never closed", "unterminated raw block: no '{% endraw %}'", 1),
            ("a\n{% if true %}\nnever closed", "unclosed 'if' statement: expected 'elif' or 'else' or 'endif' before the end of the template", 2),
            ("{% for x in xs %}{% endif %}", "unexpected 'endif': the innermost open statement is 'for', which expects 'endfor' or 'else'", 1),
            ("{% endfor %}", "unexpected 'endfor' without an open statement it could close", 1),
            ("{{ x $ y }}", "unexpected character '$'", 1),
            ("{{ }}", "expected an expression, got end of print statement '}}'", 1),
            ("{% break %}", "'break' outside a loop", 1),
        ]
        for (source, message, line) in cases {
            let e = try #require(Self.parseError(source), "\(source.debugDescription) parsed")
            #expect(e.kind == .syntax, "\(source.debugDescription): \(e)")
            #expect(e.message == message, "\(source.debugDescription): \(e)")
            #expect(e.line == line, "\(source.debugDescription): \(e)")
        }
    }

    @Test func undefinedErrorsNameTheMissingValue() throws {
        let e = try #require(Self.renderError("{{ messages[0].content.strip() }}", ["messages": [["role": "user"]]]))
        #expect(e.kind == .undefined)
        #expect(e.description == "line 1, column 24: 'dict object' has no attribute 'content'")
        let name = try #require(Self.renderError("{{ nope.x }}"))
        #expect(name.description == "line 1, column 9: 'nope' is undefined")
    }

    @Test func sandboxRefusesMutation() throws {
        let e = try #require(Self.renderError("{% set l = [] %}{{ l.append(1) }}"))
        #expect(e.kind == .security)
        #expect(e.message == "access to attribute 'append' of 'list' object is unsafe.")
    }

    // MARK: - Limits: errors, not crashes or hangs

    @Test func recursiveMacroStopsWithAnError() throws {
        let e = try #require(Self.renderError("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"))
        #expect(e.kind == .limit)
        // Under a sanitizer each call's frame is several times larger, so the render's stack
        // budget (see `deepRecursionOnASmallThreadStackIsAnError`) runs out before the call count.
        #expect(e.message.contains("macro calls nested more than") || (Self.sanitized && e.message.contains("nested too deeply")))
    }

    static let sanitized = ProcessInfo.processInfo.environment["RAT_SANITIZER"] != nil

    @Test func recursiveLoopStopsWithAnError() throws {
        let source = "{% set x = [[]] %}{% for i in x recursive %}{{ loop(x) }}{% endfor %}"
        let e = try #require(Self.renderError(source))
        #expect(e.kind == .limit)
    }

    @Test func hugeRangesAreRefusedLikeTheSandbox() throws {
        let e = try #require(Self.renderError("{% for i in range(10**12) %}{% endfor %}"))
        #expect(e.kind == .limit)
        #expect(e.message == "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
    }

    @Test func nestedLoopsHitTheIterationBudget() throws {
        let e = try #require(Self.renderError("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"))
        #expect(e.kind == .limit)
        #expect(e.message.contains("loop iterations"))
    }

    @Test func deepNestingIsRefusedAtParseTime() throws {
        let parens = "{{ " + String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000) + " }}"
        #expect(Self.parseError(parens)?.kind == .limit)
        let nots = "{{ " + String(repeating: "not ", count: 5000) + "x }}"
        #expect(Self.parseError(nots)?.kind == .limit)
        let negations = "{{ " + String(repeating: "-", count: 5000) + "1 }}"
        #expect(Self.parseError(negations)?.kind == .limit)
        let lists = "{{ " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + " }}"
        #expect(Self.parseError(lists)?.kind == .limit)
        let ifs = String(repeating: "{% if true %}", count: 5000) + String(repeating: "{% endif %}", count: 5000)
        #expect(Self.parseError(ifs)?.kind == .limit)
    }

    @Test func exponentialStringsAndDeepValuesAreRefused() throws {
        let doubling = "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
        #expect(Self.renderError(doubling)?.kind == .limit)
        let repeated = "{{ 'ab' * 10**12 }}"
        #expect(Self.renderError(repeated)?.kind == .limit)
        let deep = "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}"
        #expect(Self.renderError(deep)?.kind == .limit)
    }

    @Test func deepRecursionOnASmallThreadStackIsAnError() throws {
        let template = try ChatTemplate(
            source: "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% else %}x{% endif %}{% endmacro %}{{ f(199) }}")
        if !Self.sanitized { #expect(try template.render([:]).hasSuffix("x")) }  // 199 calls fit the 1 MB budget
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<String, TemplateError>?
        let thread = Thread {
            result = Result { () throws(TemplateError) in try template.render([:]) }
            done.signal()
        }
        thread.stackSize = 256 << 10
        thread.start()
        done.wait()
        guard case .failure(let e)? = result else {
            Issue.record("rendered 199 nested macro calls on a 256 KB stack")
            return
        }
        #expect(e.kind == .limit)
    }

    @Test func hugeWidthsAndIndexesAreErrorsNotTraps() throws {
        let sources = [
            "{{ '%999999999999d' % 1 }}", "{{ '{:>99999999999}'.format('x') }}", "{{ 'x'|indent(10**12) }}",
            "{{ [1]|tojson(indent=10**12) }}", "{{ 'x'|center(10**12) }}", "{{ '%c' % 10**12 }}", "{{ '%d' % 1e300 }}",
            "{{ 'x'.zfill(10**12) }}", "{{ range(-9223372036854775807, 9223372036854775807)|list }}",
        ]
        for source in sources {
            #expect(Self.renderError(source) != nil, "\(source) rendered")
        }
        // Python's answers, without traps on overflow.
        #expect(try ChatTemplate(source: "{{ [1, 2, 3][::9223372036854775807] }} {{ 'abc'[::-9223372036854775807] }}")
            .render([:]) == "[1] c")
        #expect(try ChatTemplate(source: "{{ range(9223372036854775806, -9223372036854775807, -9223372036854775807 - 1)|list }}")
            .render([:]) == "[9223372036854775806, -2]")
        #expect(try ChatTemplate(source: "{{ 'x'|truncate(9223372036854775807) }} {{ strftime_now('%99999999999999999999d') }}")
            .render([:]).hasPrefix("x "))
        #expect(try ChatTemplate(source: "{{ 1234|round(-2) }} {{ 1250|round(-2) }} {{ 1350|round(-2) }} {{ 5|round(-30) }}")
            .render([:]) == "1200 1200 1400 0")
    }

    @Test func integerOverflowIsAnErrorNotATrap() throws {
        #expect(Self.renderError("{{ 2 ** 64 }}")?.kind == .unsupported)
        #expect(Self.renderError("{{ 9223372036854775807 + 1 }}")?.kind == .unsupported)
        #expect(Self.parseError("{{ 99999999999999999999 }}")?.kind == .syntax)
    }
}
