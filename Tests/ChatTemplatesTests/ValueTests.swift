import ChatTemplates
import Foundation
import Testing

/// Context values from JSON: key order kept (it shows in `tojson` and `items()`), integers kept
/// apart from floats as Python's json module does, booleans recognised in Foundation's output.
@Suite struct ValueTests {
    static func render(_ source: String, _ context: [String: TemplateValue]) throws -> String {
        try ChatTemplate(source: source).render(context)
    }

    @Test func jsonTextKeepsKeyOrderAndNumberKinds() throws {
        let v = try TemplateValue(json: #"{"z": 1, "a": 2.0, "m": [true, null, "\u00e9\ud83d\ude00", 1e2, -0]}"#)
        #expect(v == ["z": 1, "a": 2.0, "m": [true, nil, "é😀", 100.0, 0]])
        #expect(try Self.render("{{ v|tojson }}|{{ v.keys()|list }}", ["v": v])
            == #"{"z": 1, "a": 2.0, "m": [true, null, "é😀", 100.0, 0]}|['z', 'a', 'm']"#)
    }

    @Test func malformedJSONIsAnError() {
        for text in ["{", "[1,]", #"{"a" 1}"#, "tru", #""\x""#, "1 2"] {
            #expect(throws: TemplateError.self, "\(text)") { _ = try TemplateValue(json: text) }
        }
    }

    @Test func foundationJSONObjectsConvert() throws {
        let data = Data(#"{"flag": true, "off": false, "n": 3, "x": 1.5, "s": "t", "l": [1, null]}"#.utf8)
        let object = try JSONSerialization.jsonObject(with: data)
        let v = try TemplateValue(jsonObject: object)
        #expect(v["flag"] == .bool(true))
        #expect(v["off"] == .bool(false))
        #expect(v["n"] == .int(3))
        #expect(v["x"] == .double(1.5))
        #expect(v["s"] == .string("t"))
        #expect(v["l"] == [1, nil])
        #expect(try Self.render("{{ v.flag }} {{ v.n is integer }} {{ v.x }}", ["v": v]) == "True True 1.5")
    }

    @Test func missingAndUndefinedContextValuesAreUndefined() throws {
        #expect(try Self.render("[{{ a }}|{{ a is defined }}|{{ b is defined }}]", ["a": .undefined]) == "[|False|False]")
    }

    @Test func strftimeNowUsesTheGivenMoment() throws {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour, c.minute, c.second) = (2025, 1, 2, 3, 4, 5)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let now = try #require(calendar.date(from: c))
        let template = try ChatTemplate(source: "{{ strftime_now('%d %b %Y, %-H:%M:%S %A %j') }}")
        #expect(try template.render([:], now: now) == "02 Jan 2025, 3:04:05 Thursday 002")
    }

    @Test func oneParsedTemplateRendersConcurrently() async throws {
        let template = try ChatTemplate(source: "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}")
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<32 {
                group.addTask {
                    try template.render(["messages": [["role": "user", "content": .string("n\(i)")]]])
                }
            }
            var all: [String] = []
            for try await r in group { all.append(r) }
            return all
        }
        #expect(Set(results) == Set((0..<32).map { "<user>n\($0)" }))
    }
}
