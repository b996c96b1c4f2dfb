import Foundation
import Tokenization

/// rat-docs: turns a DocC archive (the output of `docc convert`: `data/**/*.json`) into a static
/// site of plain HTML pages that opens from disk with no server and no network. DocC's own web
/// app fetches its JSON at run time, which browsers refuse for `file://` pages.
///
///     rat-docs ARCHIVE… --output SITE [--title TITLE]
///
/// Several archives (one per module) share one site; `SITE/index.html` links every archive's
/// top pages.
struct DocsSite {
    let archives: [URL]
    let output: URL
    let title: String

    func build() throws -> Int {
        var written = 0
        var roots: [(title: String, url: String, abstract: String)] = []
        // Every node first, so that links to what is not a page can be told apart.
        var nodes: [(archive: URL, node: RenderNode)] = []
        for archive in archives {
            let data = archive.appendingPathComponent("data")
            guard let files = FileManager.default.enumerator(at: data, includingPropertiesForKeys: nil) else {
                throw DocsError("\(archive.path): no data folder (is it the output of docc convert?)")
            }
            for case let file as URL in files where file.pathExtension == "json" {
                let bytes = try [UInt8](Data(contentsOf: file))
                do {
                    nodes.append((archive, try RenderNode(JSONParser.parse(bytes))))
                } catch let error as JSONParseError {
                    throw DocsError("\(file.path): byte \(error.offset): \(error.message)")
                }
            }
        }
        let layout = SiteLayout(pages: Set(nodes.map(\.node.url)))
        for (archive, node) in nodes {
            let page = PageHTML(node: node, site: layout, archive: archive, siteTitle: title).html()
            let destination = output.appendingPathComponent(layout.file(node.url))
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(page.utf8).write(to: destination)
            written += 1
            // A module's root page or the tutorials' table of contents: linked from the index.
            if node.breadcrumbs.isEmpty {
                let content = ContentHTML(references: node.references, page: "/", site: layout, archive: archive)
                roots.append((node.title, node.url, content.inline(node.abstract)))
            }
        }
        roots.sort { ($0.url.hasPrefix("/tutorials") ? 1 : 0, $0.title) < ($1.url.hasPrefix("/tutorials") ? 1 : 0, $1.title) }
        let items = roots.map {
            "<li><a href=\"\(escape(layout.href(from: "/", to: $0.url)))\">\(escape($0.title))</a><div class=\"abstract\">\($0.abstract)</div></li>"
        }
        let index = siteDocument(title: title, header: escape(title),
                                 body: "<h1>\(escape(title))</h1>\n<ul class=\"links\">\(items.joined())</ul>")
        try Data(index.utf8).write(to: output.appendingPathComponent("index.html"))
        return written + 1
    }
}

var arguments = Array(CommandLine.arguments.dropFirst())
/// Removes `name VALUE` from the arguments and returns the value.
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    let value = arguments[i + 1]
    arguments.removeSubrange(i...(i + 1))
    return value
}
let output = option("--output")
let title = option("--title") ?? "Documentation"
guard let output, !arguments.isEmpty, !arguments.contains(where: { $0.hasPrefix("-") }) else {
    FileHandle.standardError.write(Data("usage: rat-docs ARCHIVE… --output SITE [--title TITLE]\n".utf8))
    exit(2)
}
do {
    let site = DocsSite(archives: arguments.map { URL(fileURLWithPath: $0) }, output: URL(fileURLWithPath: output), title: title)
    let pages = try site.build()
    print("rat-docs: \(pages) pages in \(output)")
} catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
}
