/// Where each page lives in the built site: the node `/documentation/reverseattention/traceresult`
/// is the file `documentation/reverseattention/traceresult.html`, so that the site opens from disk
/// (a `file://` address names a file, never a folder's index) and every link is relative.
struct SiteLayout {
    /// Every page's URL (lowercased DocC path): a reference to anything else (a chapter, a volume,
    /// a symbol of another module) is shown as text.
    var pages: Set<String> = []

    /// Whether `url` (fragment ignored) is a page of the site.
    func hasPage(_ url: String) -> Bool {
        pages.contains(url.split(separator: "#", maxSplits: 1).first.map { String($0).lowercased() } ?? url)
    }

    /// The file of the page at `url` (a DocC path: `/documentation/…` or `/tutorials/…`, maybe
    /// with a `#fragment`), relative to the site's root.
    func file(_ url: String) -> String {
        let path = url.split(separator: "#", maxSplits: 1).first.map(String.init) ?? url
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return trimmed.isEmpty ? "index.html" : trimmed + ".html"
    }

    /// A link from the page at `from` to `to`, relative, percent-encoded, with `to`'s fragment.
    func href(from: String, to: String) -> String {
        let parts = to.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let fragment = parts.count > 1 ? "#" + parts[1] : ""
        let source = file(from).split(separator: "/").dropLast().map(String.init)
        let target = file(String(parts[0])).split(separator: "/").map(String.init)
        var common = 0
        while common < source.count && common < target.count - 1 && source[common] == target[common] { common += 1 }
        let up = Array(repeating: "..", count: source.count - common)
        return (up + target[common...].map(Self.percentEncoded)).joined(separator: "/") + fragment
    }

    /// A path component as a URL allows it (DocC's names hold `(`, `:`, `!`, `=`, `<`…).
    static func percentEncoded(_ component: String) -> String {
        var out = ""
        for byte in component.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80 && (c.isLetter || c.isNumber || "-._~".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
