import Foundation
import Tokenization

/// Writes DocC's content (block and inline elements of a RenderNode) as HTML, resolving
/// references to relative links between the site's files.
struct ContentHTML {
    let references: [String: JSONValue]
    /// The page being written: links are relative to its file.
    let page: String
    let site: SiteLayout
    /// The archive the page comes from, which holds its images.
    let archive: URL

    /// An image reference (a step's media, a chapter's picture) written into the page as a data:
    /// URL, so that showing it makes no request; empty when the archive lacks the file.
    func image(_ identifier: String) -> String {
        guard let reference = references[identifier], let url = reference["variants"]?.array?.first?["url"]?.string,
              let data = try? Data(contentsOf: archive.appendingPathComponent(url)) else { return "" }
        let type = url.hasSuffix(".png") ? "image/png" : url.hasSuffix(".svg") ? "image/svg+xml" : "image/jpeg"
        let alt = escape(reference["alt"]?.string ?? "")
        return "<img class=\"media\" alt=\"\(alt)\" src=\"data:\(type);base64,\(data.base64EncodedString())\">"
    }

    /// A reference's link target relative to this page, nil for symbols outside the archive
    /// (the standard library's `Sendable`).
    func href(_ identifier: String) -> String? {
        guard let url = references[identifier]?["url"]?.string, site.hasPage(url) else { return nil }
        return site.href(from: page, to: url)
    }

    func title(_ identifier: String) -> String {
        references[identifier]?["title"]?.string ?? identifier.split(separator: "/").last.map(String.init) ?? identifier
    }

    // MARK: Blocks

    func blocks(_ items: [JSONValue]) -> String { items.map(block).joined() }

    func block(_ b: JSONValue) -> String {
        switch b["type"]?.string ?? "" {
        case "paragraph":
            return "<p>\(inline(b["inlineContent"]?.array ?? []))</p>\n"
        case "heading":
            let level = min(max(b["level"]?.int ?? 2, 2), 6)
            let anchor = b["anchor"]?.string.map { " id=\"\(escape($0))\"" } ?? ""
            return "<h\(level)\(anchor)>\(escape(b["text"]?.string ?? ""))</h\(level)>\n"
        case "codeListing":
            let lines = b["code"]?.array?.compactMap(\.string) ?? []
            let syntax = b["syntax"]?.string.map { " data-syntax=\"\(escape($0))\"" } ?? ""
            return "<pre class=\"code\"\(syntax)><code>\(escape(lines.joined(separator: "\n")))</code></pre>\n"
        case "aside":
            let style = b["style"]?.string ?? "note"
            let name = b["name"]?.string ?? style.capitalized
            return "<div class=\"aside \(escape(style))\"><p class=\"aside-name\">\(escape(name))</p>\(blocks(b["content"]?.array ?? []))</div>\n"
        case "unorderedList":
            return "<ul>\(listItems(b))</ul>\n"
        case "orderedList":
            let start = b["start"]?.int.map { " start=\"\($0)\"" } ?? ""
            return "<ol\(start)>\(listItems(b))</ol>\n"
        case "termList":
            let items = (b["items"]?.array ?? []).map { item in
                "<dt>\(inline(item["term"]?["inlineContent"]?.array ?? []))</dt><dd>\(blocks(item["definition"]?["content"]?.array ?? []))</dd>"
            }
            return "<dl>\(items.joined())</dl>\n"
        case "table":
            return table(b)
        case "row":
            let columns = (b["columns"]?.array ?? []).map { "<div class=\"column\">\(blocks($0["content"]?.array ?? []))</div>" }
            return "<div class=\"row\">\(columns.joined())</div>\n"
        case "small":
            return "<p class=\"small\">\(inline(b["inlineContent"]?.array ?? []))</p>\n"
        case "tabNavigator":
            return (b["tabs"]?.array ?? []).map { "<h4>\(escape($0["title"]?.string ?? ""))</h4>\(blocks($0["content"]?.array ?? []))" }.joined()
        case "links":
            return linkList(b["items"]?.array?.compactMap(\.string) ?? [])
        case "thematicBreak":
            return "<hr>\n"
        default:
            // Kinds the site does not draw (videos, endpoint examples): their text, if any.
            if let content = b["content"]?.array { return blocks(content) }
            if let content = b["inlineContent"]?.array { return "<p>\(inline(content))</p>\n" }
            return ""
        }
    }

    private func listItems(_ b: JSONValue) -> String {
        (b["items"]?.array ?? []).map { "<li>\(blocks($0["content"]?.array ?? []))</li>" }.joined()
    }

    private func table(_ b: JSONValue) -> String {
        let header = b["header"]?.string ?? "none"
        var html = "<table>"
        for (r, row) in (b["rows"]?.array ?? []).enumerated() {
            html += "<tr>"
            for (c, cell) in (row.array ?? []).enumerated() {
                let tag = (header == "row" && r == 0) || (header == "column" && c == 0) || (header == "both" && (r == 0 || c == 0)) ? "th" : "td"
                html += "<\(tag)>\(blocks(cell.array ?? []))</\(tag)>"
            }
            html += "</tr>"
        }
        return html + "</table>\n"
    }

    /// A list of links to other pages, each with its abstract (topic sections, See Also).
    func linkList(_ identifiers: [String]) -> String {
        let items = identifiers.map { id -> String in
            let reference = references[id]
            let label: String
            if let fragments = reference?["fragments"]?.array, reference?["kind"]?.string == "symbol" {
                label = "<code>\(escape(fragments.compactMap { $0["text"]?.string }.joined()))</code>"
            } else {
                label = escape(title(id))
            }
            let linked = href(id).map { "<a href=\"\(escape($0))\">\(label)</a>" } ?? label
            let abstract = inline(reference?["abstract"]?.array ?? [])
            return "<li>\(linked)\(abstract.isEmpty ? "" : "<div class=\"abstract\">\(abstract)</div>")</li>"
        }
        return "<ul class=\"links\">\(items.joined())</ul>\n"
    }

    // MARK: Inline

    func inline(_ items: [JSONValue]) -> String { items.map(inlineElement).joined() }

    private func inlineElement(_ i: JSONValue) -> String {
        switch i["type"]?.string ?? "" {
        case "text": return escape(i["text"]?.string ?? "")
        case "codeVoice": return "<code>\(escape(i["code"]?.string ?? ""))</code>"
        case "emphasis": return "<em>\(inline(i["inlineContent"]?.array ?? []))</em>"
        case "strong", "inlineHead": return "<strong>\(inline(i["inlineContent"]?.array ?? []))</strong>"
        case "newTerm": return "<dfn>\(inline(i["inlineContent"]?.array ?? []))</dfn>"
        case "subscript": return "<sub>\(inline(i["inlineContent"]?.array ?? []))</sub>"
        case "superscript": return "<sup>\(inline(i["inlineContent"]?.array ?? []))</sup>"
        case "strikethrough": return "<s>\(inline(i["inlineContent"]?.array ?? []))</s>"
        case "reference":
            let id = i["identifier"]?.string ?? ""
            let isSymbol = references[id]?["kind"]?.string == "symbol"
            var label = i["overridingTitle"]?.string.map(escape) ?? escape(title(id))
            if isSymbol && i["overridingTitle"] == nil { label = "<code>\(label)</code>" }
            guard i["isActive"]?.bool != false, let target = href(id) else { return label }
            return "<a href=\"\(escape(target))\">\(label)</a>"
        case "link":
            let destination = i["destination"]?.string ?? ""
            let title = escape(i["title"]?.string ?? destination)
            return destination.isEmpty ? title : "<a href=\"\(escape(destination))\">\(title)</a>"
        case "image":
            return image(i["identifier"]?.string ?? "")
        default:
            return inline(i["inlineContent"]?.array ?? [])
        }
    }
}

/// `text` with HTML's special characters escaped.
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
