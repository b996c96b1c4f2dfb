import Tokenization

/// One page of a DocC archive (`data/…/*.json`, DocC's RenderNode format): a symbol, an article,
/// a tutorial or a table of contents, with the references its links name.
struct RenderNode {
    let json: JSONValue
    /// The page's path in the site, e.g. `/documentation/reverseattention/traceresult`.
    let url: String

    init(_ json: JSONValue) throws {
        self.json = json
        guard let path = json["identifier"]?["url"]?.string else {
            throw DocsError("a render node without identifier.url")
        }
        // `doc://bundle/documentation/Module/Symbol` → `/documentation/module/symbol`, as DocC names
        // its references' `url`s.
        if let range = path.range(of: "/documentation/") ?? path.range(of: "/tutorials/") {
            url = String(path[range.lowerBound...]).lowercased()
        } else {
            url = path.lowercased()
        }
        var references: [String: JSONValue] = [:]
        for (key, value) in json["references"]?.object ?? [] { references[key] = value }
        self.references = references
    }

    var kind: String { json["kind"]?.string ?? "" }
    var title: String { json["metadata"]?["title"]?.string ?? url }
    var roleHeading: String? { json["metadata"]?["roleHeading"]?.string }
    var role: String? { json["metadata"]?["role"]?.string }
    var abstract: [JSONValue] { json["abstract"]?.array ?? [] }
    var primaryContentSections: [JSONValue] { json["primaryContentSections"]?.array ?? [] }
    var topicSections: [JSONValue] { json["topicSections"]?.array ?? [] }
    var relationshipsSections: [JSONValue] { json["relationshipsSections"]?.array ?? [] }
    var seeAlsoSections: [JSONValue] { json["seeAlsoSections"]?.array ?? [] }
    var defaultImplementationsSections: [JSONValue] { json["defaultImplementationsSections"]?.array ?? [] }
    /// Tutorials' sections (hero, tasks, assessments, call to action).
    var sections: [JSONValue] { json["sections"]?.array ?? [] }
    /// What the page's links and code name, by identifier.
    let references: [String: JSONValue]
    /// The identifiers of the pages above this one, outermost first.
    var breadcrumbs: [String] { json["hierarchy"]?["paths"]?.array?.first?.array?.compactMap(\.string) ?? [] }
}

/// A DocC archive that cannot be made into a site.
struct DocsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
