import Foundation
import Tokenization

/// One page of the site: a RenderNode drawn as a whole HTML document with the site's style.
struct PageHTML {
    let node: RenderNode
    let site: SiteLayout
    /// The archive the node comes from (its images).
    let archive: URL
    /// The site's title, shown above every page.
    let siteTitle: String

    func html() -> String {
        let content = ContentHTML(references: node.references, page: node.url, site: site, archive: archive)
        var body = breadcrumbs(content)
        switch node.kind {
        case "overview": body += tutorialsOverview(content)
        case "project": body += tutorial(content)
        default: body += symbolOrArticle(content)
        }
        let home = site.href(from: node.url, to: "/")
        return siteDocument(title: "\(node.title) – \(siteTitle)", header: "<a href=\"\(escape(home))\">\(escape(siteTitle))</a>",
                            body: body)
    }

    private func breadcrumbs(_ content: ContentHTML) -> String {
        // DocC lists a tutorials volume as `$volume`, a node with no page.
        let crumbs = node.breadcrumbs.filter { content.references[$0] != nil }.map { id in
            content.href(id).map { "<a href=\"\(escape($0))\">\(escape(content.title(id)))</a>" } ?? escape(content.title(id))
        }
        return crumbs.isEmpty ? "" : "<nav class=\"crumbs\">\(crumbs.joined(separator: " › "))</nav>\n"
    }

    private func heading(_ content: ContentHTML) -> String {
        var html = ""
        if let role = node.roleHeading { html += "<p class=\"role\">\(escape(role))</p>\n" }
        html += "<h1>\(escape(node.title))</h1>\n"
        let abstract = content.inline(node.abstract)
        if !abstract.isEmpty { html += "<p class=\"abstract\">\(abstract)</p>\n" }
        return html
    }

    // MARK: Symbols and articles

    private func symbolOrArticle(_ content: ContentHTML) -> String {
        var html = heading(content)
        for section in node.primaryContentSections {
            switch section["kind"]?.string ?? "" {
            case "declarations":
                for declaration in section["declarations"]?.array ?? [] {
                    html += "<pre class=\"declaration\"><code>\(tokens(declaration["tokens"]?.array ?? [], content))</code></pre>\n"
                }
            case "parameters":
                html += namedItems("Parameters", section["parameters"]?.array ?? [], content)
            case "properties":
                html += namedItems(section["title"]?.string ?? "Properties", section["items"]?.array ?? [], content)
            default:
                html += content.blocks(section["content"]?.array ?? [])
            }
        }
        html += linkSections("Topics", node.topicSections, content)
        html += linkSections("Relationships", node.relationshipsSections, content)
        html += linkSections("Default Implementations", node.defaultImplementationsSections, content)
        html += linkSections("See Also", node.seeAlsoSections, content)
        return html
    }

    /// A titled list of named items, each with its content (a function's parameters, a
    /// dictionary's properties).
    private func namedItems(_ title: String, _ items: [JSONValue], _ content: ContentHTML) -> String {
        let entries = items.map { "<dt><code>\(escape($0["name"]?.string ?? ""))</code></dt><dd>\(content.blocks($0["content"]?.array ?? []))</dd>" }
        return "<h2>\(escape(title))</h2>\n<dl class=\"parameters\">\(entries.joined())</dl>\n"
    }

    /// Declaration tokens, with the types this archive documents linked.
    private func tokens(_ items: [JSONValue], _ content: ContentHTML) -> String {
        items.map { token in
            let text = escape(token["text"]?.string ?? "")
            let kind = token["kind"]?.string ?? "text"
            if kind == "typeIdentifier", let id = token["identifier"]?.string, let target = content.href(id) {
                return "<a class=\"type\" href=\"\(escape(target))\">\(text)</a>"
            }
            return kind == "text" ? text : "<span class=\"\(escape(kind))\">\(text)</span>"
        }.joined()
    }

    private func linkSections(_ title: String, _ sections: [JSONValue], _ content: ContentHTML) -> String {
        guard !sections.isEmpty else { return "" }
        var html = "<h2>\(title)</h2>\n"
        for section in sections {
            if let name = section["title"]?.string {
                let anchor = section["anchor"]?.string.map { " id=\"\(escape($0))\"" } ?? ""
                html += "<h3\(anchor)>\(escape(name))</h3>\n"
            }
            if let abstract = section["abstract"]?.array { html += "<p>\(content.inline(abstract))</p>\n" }
            if let discussion = section["discussion"]?["content"]?.array { html += content.blocks(discussion) }
            html += content.linkList(section["identifiers"]?.array?.compactMap(\.string) ?? [])
        }
        return html
    }

    // MARK: Tutorials

    /// The tutorials' table of contents: chapters, each with its tutorials.
    private func tutorialsOverview(_ content: ContentHTML) -> String {
        var html = ""
        for section in node.sections {
            switch section["kind"]?.string ?? "" {
            case "hero":
                html += "<h1>\(escape(section["title"]?.string ?? node.title))</h1>\n"
                html += content.blocks(section["content"]?.array ?? [])
            case "volume":
                for chapter in section["chapters"]?.array ?? [] {
                    html += "<h2>\(escape(chapter["name"]?.string ?? ""))</h2>\n"
                    html += content.blocks(chapter["content"]?.array ?? [])
                    if let picture = chapter["image"]?.string { html += content.image(picture) }
                    html += content.linkList(chapter["tutorials"]?.array?.compactMap(\.string) ?? [])
                }
            default:
                html += content.blocks(section["content"]?.array ?? [])
            }
        }
        return html
    }

    /// A tutorial: its introduction, then each section's steps with the code each step shows.
    private func tutorial(_ content: ContentHTML) -> String {
        var html = ""
        for section in node.sections {
            switch section["kind"]?.string ?? "" {
            case "hero":
                html += "<p class=\"role\">\(escape(section["chapter"]?.string ?? "Tutorial"))</p>\n"
                html += "<h1>\(escape(section["title"]?.string ?? node.title))</h1>\n"
                html += content.blocks(section["content"]?.array ?? [])
            case "tasks":
                for (number, task) in (section["tasks"]?.array ?? []).enumerated() {
                    let anchor = task["anchor"]?.string.map { " id=\"\(escape($0))\"" } ?? ""
                    html += "<section class=\"task\"><h2\(anchor)>Section \(number + 1): \(escape(task["title"]?.string ?? ""))</h2>\n"
                    for part in task["contentSection"]?.array ?? [] {
                        html += content.blocks(part["content"]?.array ?? [])
                    }
                    html += steps(task["stepsSection"]?.array ?? [], content)
                    html += "</section>\n"
                }
            case "assessments":
                html += assessments(section, content)
            case "callToAction":
                html += "<h2>\(escape(section["title"]?.string ?? "Next"))</h2>\n"
                html += "<p>\(content.inline(section["abstract"]?.array ?? []))</p>\n"
                if let action = section["action"]?["identifier"]?.string {
                    html += content.linkList([action])
                }
            default:
                html += content.blocks(section["content"]?.array ?? [])
            }
        }
        return html
    }

    private func steps(_ items: [JSONValue], _ content: ContentHTML) -> String {
        var html = "", number = 0
        for item in items {
            guard item["type"]?.string == "step" else {
                html += content.block(item)
                continue
            }
            number += 1
            html += "<div class=\"step\"><p class=\"step-number\">Step \(number)</p>\n"
            html += content.blocks(item["content"]?.array ?? [])
            html += content.blocks(item["caption"]?.array ?? [])
            if let media = item["media"]?.string { html += content.image(media) }
            if let code = item["code"]?.string, let file = content.references[code] {
                let lines = file["content"]?.array?.compactMap(\.string) ?? []
                let name = file["fileName"]?.string ?? ""
                html += "<p class=\"file-name\">\(escape(name))</p><pre class=\"code\"><code>\(escape(lines.joined(separator: "\n")))</code></pre>\n"
            }
            html += "</div>\n"
        }
        return html
    }

    private func assessments(_ section: JSONValue, _ content: ContentHTML) -> String {
        var html = "<h2>Check your understanding</h2>\n"
        for (n, question) in (section["assessments"]?.array ?? []).enumerated() {
            html += "<div class=\"question\"><p class=\"step-number\">Question \(n + 1)</p>\(content.blocks(question["title"]?.array ?? []))"
            html += content.blocks(question["content"]?.array ?? [])
            html += "<ul class=\"choices\">"
            for choice in question["choices"]?.array ?? [] {
                let correct = choice["isCorrect"]?.bool == true
                html += "<li><details><summary>\(content.blocks(choice["content"]?.array ?? []))</summary>"
                html += "<p class=\"\(correct ? "correct" : "incorrect")\">\(correct ? "Correct." : "Not quite.") "
                html += "\(content.blocks(choice["justification"]?.array ?? []))</p></details></li>"
            }
            html += "</ul></div>\n"
        }
        return html
    }
}
