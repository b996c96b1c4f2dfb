/// Tokens as people can read them in a diagram: whitespace made visible, byte fragments named.
///
/// A byte-level BPE token that holds part of a multi-byte character decodes to U+FFFD alone;
/// shown raw, several such tokens look identical. An empty token would be invisible.
public enum TokenLabel {
    /// `" fox"` → `"·fox"`, `"\n"` → `"↵"`, `"\t"` → `"⇥"`, `""` → `"∅"`, `"\u{FFFD}"` → `"‹byte›"`.
    public static func readable(_ token: String) -> String {
        if token.isEmpty { return "∅" }
        if token.unicodeScalars.allSatisfy({ $0 == "\u{FFFD}" }) {
            return token.unicodeScalars.count == 1 ? "‹byte›" : "‹\(token.unicodeScalars.count) bytes›"
        }
        var out = String.UnicodeScalarView()
        for scalar in token.unicodeScalars {
            switch scalar {
            case " ": out.append("·")
            case "\n": out.append("↵")
            case "\r": out.append("␍")
            case "\t": out.append("⇥")
            case "\u{00A0}": out.append("⍽")
            case "\u{200B}", "\u{200C}", "\u{200D}", "\u{FEFF}": out.append(contentsOf: "‹ZW›".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// A label cut to `limit` characters, with an ellipsis.
    static func truncated(_ label: String, limit: Int = 24) -> String {
        label.count <= limit ? label : String(label.prefix(limit - 1)) + "…"
    }
}

/// Escapes text for XML and HTML content and attribute values.
func escapeMarkup(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters are not allowed in XML 1.0; show them as escapes.
            if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
