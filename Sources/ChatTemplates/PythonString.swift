/// Python `str` semantics: lengths, indexes and comparisons count code points (Swift counts
/// grapheme clusters and equates canonically equivalent text), whitespace is `str.isspace()`.

typealias Scalars = [Unicode.Scalar]

extension String {
    var scalars: Scalars { Array(unicodeScalars) }

    init(scalars: some Sequence<Unicode.Scalar>) {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        self = String(view)
    }

    var pythonLength: Int { unicodeScalars.count }
}

enum PyString {
    // MARK: Search

    static func find(_ s: Scalars, _ sub: Scalars, from start: Int = 0, to end: Int? = nil) -> Int? {
        let end = end ?? s.count
        guard sub.count <= end - start else { return nil }
        if sub.isEmpty { return start }
        var i = start
        while i + sub.count <= end {
            if s[i] == sub[0], s[i..<i + sub.count].elementsEqual(sub) { return i }
            i += 1
        }
        return nil
    }

    static func rfind(_ s: Scalars, _ sub: Scalars, from start: Int = 0, to end: Int? = nil) -> Int? {
        let end = end ?? s.count
        guard sub.count <= end - start else { return nil }
        var i = end - sub.count
        while i >= start {
            if s[i..<i + sub.count].elementsEqual(sub) { return i }
            i -= 1
        }
        return nil
    }

    /// Non-overlapping occurrences; an empty `sub` occurs len+1 times.
    static func count(_ s: Scalars, _ sub: Scalars, from start: Int = 0, to end: Int? = nil) -> Int {
        let end = end ?? s.count
        guard start <= end else { return 0 }
        if sub.isEmpty { return end - start + 1 }
        var n = 0
        var i = start
        while let k = find(s, sub, from: i, to: end) {
            n += 1
            i = k + sub.count
        }
        return n
    }

    /// Python's clamping of `start`/`end` arguments to `[0, count]`, with negatives from the end.
    static func clampRange(_ count: Int, _ start: Int?, _ end: Int?) -> (Int, Int) {
        func clamp(_ v: Int) -> Int { v < 0 ? max(0, v + count) : min(v, count) }
        return (start.map(clamp) ?? 0, end.map(clamp) ?? count)
    }

    // MARK: Strip, split, replace

    static func strip(_ s: Scalars, _ chars: Scalars?, left: Bool, right: Bool) -> Scalars {
        func stripped(_ c: Unicode.Scalar) -> Bool { chars.map { $0.contains(c) } ?? isPythonSpace(c) }
        var lo = 0, hi = s.count
        if left { while lo < hi, stripped(s[lo]) { lo += 1 } }
        if right { while hi > lo, stripped(s[hi - 1]) { hi -= 1 } }
        return Array(s[lo..<hi])
    }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on whitespace runs and drops empty parts.
    static func split(_ s: Scalars, _ sep: Scalars?, maxSplit: Int = -1) -> [Scalars] {
        var parts: [Scalars] = []
        if let sep {
            var start = 0
            var splits = 0
            while maxSplit < 0 || splits < maxSplit, let k = find(s, sep, from: start) {
                parts.append(Array(s[start..<k]))
                start = k + sep.count
                splits += 1
            }
            parts.append(Array(s[start...]))
            return parts
        }
        var i = 0
        var splits = 0
        while i < s.count {
            while i < s.count, isPythonSpace(s[i]) { i += 1 }
            guard i < s.count else { break }
            if maxSplit >= 0, splits == maxSplit {
                var end = s.count
                while end > i, isPythonSpace(s[end - 1]) { end -= 1 }
                parts.append(Array(s[i..<end]))
                break
            }
            let start = i
            while i < s.count, !isPythonSpace(s[i]) { i += 1 }
            parts.append(Array(s[start..<i]))
            splits += 1
        }
        return parts
    }

    static func rsplit(_ s: Scalars, _ sep: Scalars?, maxSplit: Int = -1) -> [Scalars] {
        guard maxSplit >= 0 else { return split(s, sep) }
        var parts: [Scalars] = []
        if let sep {
            var end = s.count
            var splits = 0
            while splits < maxSplit, let k = rfind(s, sep, from: 0, to: end) {
                parts.append(Array(s[k + sep.count..<end]))
                end = k
                splits += 1
            }
            parts.append(Array(s[..<end]))
            return parts.reversed()
        }
        var i = s.count
        var splits = 0
        while i > 0 {
            while i > 0, isPythonSpace(s[i - 1]) { i -= 1 }
            guard i > 0 else { break }
            if splits == maxSplit {
                var start = 0
                while start < i, isPythonSpace(s[start]) { start += 1 }
                parts.append(Array(s[start..<i]))
                break
            }
            let end = i
            while i > 0, !isPythonSpace(s[i - 1]) { i -= 1 }
            parts.append(Array(s[i..<end]))
            splits += 1
        }
        return parts.reversed()
    }

    static func isLineBreak(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    static func splitLines(_ s: Scalars, keepEnds: Bool = false) -> [Scalars] {
        var lines: [Scalars] = []
        var start = 0
        var i = 0
        while i < s.count {
            if isLineBreak(s[i]) {
                var end = i + 1
                if s[i] == "\r", end < s.count, s[end] == "\n" { end += 1 }
                lines.append(Array(s[start..<(keepEnds ? end : i)]))
                start = end
                i = end
            } else {
                i += 1
            }
        }
        if start < s.count { lines.append(Array(s[start...])) }
        return lines
    }

    static func replace(_ s: Scalars, _ old: Scalars, _ new: Scalars, count: Int = -1) -> Scalars {
        var out: Scalars = []
        var done = 0
        if old.isEmpty {
            for c in s {
                if count < 0 || done < count {
                    out += new
                    done += 1
                }
                out.append(c)
            }
            if count < 0 || done < count { out += new }
            return out
        }
        var i = 0
        while i < s.count {
            if count < 0 || done < count, let k = find(s, old, from: i) {
                out += s[i..<k]
                out += new
                i = k + old.count
                done += 1
            } else {
                out += s[i...]
                break
            }
        }
        return out
    }

    // MARK: Case

    static func upper(_ s: String) -> String { s.uppercased() }
    static func lower(_ s: String) -> String { s.lowercased() }

    static func titleCased(_ c: Unicode.Scalar) -> String { c.properties.titlecaseMapping }

    /// `str.capitalize()`: the first character in title case, the rest lowercased.
    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return titleCased(first) + String(scalars: s.unicodeScalars.dropFirst()).lowercased()
    }

    /// `str.title()`: a character after a cased one is lowercased, any other is title-cased.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for c in s.unicodeScalars {
            out += previousCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
            previousCased = c.properties.isCased
        }
        return out
    }

    static func swapcase(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if c.properties.isUppercase {
                out += c.properties.lowercaseMapping
            } else if c.properties.isLowercase {
                out += c.properties.uppercaseMapping
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func isUpper(_ s: String) -> Bool {
        var cased = false
        for c in s.unicodeScalars {
            if c.properties.isLowercase || c.properties.generalCategory == .titlecaseLetter { return false }
            if c.properties.isUppercase { cased = true }
        }
        return cased
    }

    static func isLower(_ s: String) -> Bool {
        var cased = false
        for c in s.unicodeScalars {
            if c.properties.isUppercase || c.properties.generalCategory == .titlecaseLetter { return false }
            if c.properties.isLowercase { cased = true }
        }
        return cased
    }

    static func isTitle(_ s: String) -> Bool {
        var cased = false
        var previousCased = false
        for c in s.unicodeScalars {
            let upperOrTitle = c.properties.isUppercase || c.properties.generalCategory == .titlecaseLetter
            if upperOrTitle {
                if previousCased { return false }
                previousCased = true
                cased = true
            } else if c.properties.isLowercase {
                if !previousCased { return false }
                previousCased = true
                cased = true
            } else {
                previousCased = false
            }
        }
        return cased
    }

    static func isAlpha(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isDecimal(_ c: Unicode.Scalar) -> Bool { c.properties.numericType == .decimal }
    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.properties.numericType == .decimal || c.properties.numericType == .digit
    }
    static func isNumeric(_ c: Unicode.Scalar) -> Bool { c.properties.numericType != nil }

    /// Python's `str.center`: when the padding is odd, CPython puts the extra character on the
    /// left only if the width is odd too (left = pad / 2 + (pad & width & 1)).
    static func center(_ s: Scalars, width: Int, fill: Unicode.Scalar = " ") -> Scalars {
        let pad = width - s.count
        guard pad > 0 else { return s }
        let left = pad / 2 + (pad & width & 1)
        return Array(repeating: fill, count: left) + s + Array(repeating: fill, count: pad - left)
    }

    static func zfill(_ s: Scalars, width: Int) -> Scalars {
        let pad = width - s.count
        guard pad > 0 else { return s }
        var out = Array(repeating: Unicode.Scalar("0"), count: pad) + s
        if let first = s.first, first == "+" || first == "-" {
            out[0] = first
            out[pad] = "0"
        }
        return out
    }
}
