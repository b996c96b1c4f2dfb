import Foundation

/// jinja2's filters as chat templates use them, each following jinja2's implementation:
/// `map`, `select`, `reject`, `selectattr`, `rejectattr`, `unique`, `items`, `batch` and
/// `reverse` return one-shot generators (always truthy, no length) exactly as in jinja2, so a
/// template that forgets `|list` behaves here as it does in Python. `tojson` is transformers'
/// override (`json.dumps` with `ensure_ascii=False`, no HTML escaping).
enum Filters {
    /// Every filter jinja2 knows (for the `filter` test); the ones not implemented here raise
    /// `.unsupported` when used.
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "last", "length",
        "list", "lower", "items", "map", "min", "max", "pprint", "random", "reject", "rejectattr", "replace", "reverse",
        "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title", "trim",
        "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr", "tojson",
    ]

    static func apply(_ name: String, _ rawValue: Value, _ rawArgs: CallArguments, interpreter: Interpreter)
        throws(TemplateError) -> Value
    {
        let function = "filter '\(name)'"
        switch (name, rawValue) {
        case ("safe", .markup), ("e", .markup), ("escape", .markup), ("string", .markup): return rawValue
        case ("safe", _): return .markup(try rawValue.pythonString())
        case ("e", _), ("escape", _), ("forceescape", _): return .markup(htmlEscape(try rawValue.pythonString()))
        default: break
        }
        if case .markup = rawValue, ["upper", "lower", "trim", "capitalize", "center", "indent"].contains(name) {
            // markupsafe's methods keep the result a Markup.
            let result = try apply(name, rawValue.plain, rawArgs, interpreter: interpreter)
            if case .string(let s) = result { return .markup(s) }
            return result
        }
        let value = rawValue.plain
        let args = rawArgs.plain
        func bind(_ parameters: [String]) throws(TemplateError) -> [Value?] {
            try args.bind(parameters, function: function)
        }
        func noArguments() throws(TemplateError) {
            guard args.isEmpty else { throw TemplateError(.runtime, "\(function) takes no arguments") }
        }
        switch name {
        case "length", "count":
            try noArguments()
            return .int(try length(value))
        case "string":
            try noArguments()
            return .string(try value.pythonString())
        case "upper":
            try noArguments()
            return .string(try value.pythonString().uppercased())
        case "lower":
            try noArguments()
            return .string(try value.pythonString().lowercased())
        case "capitalize":
            try noArguments()
            return .string(PyString.capitalize(try value.pythonString()))
        case "title":
            try noArguments()
            return .string(title(try value.pythonString()))
        case "trim":
            let a = try bind(["chars"])
            let chars: Scalars?
            switch a[0] {
            case nil, .none?: chars = nil
            case .string(let c)?: chars = c.scalars
            case let other?: throw TemplateError(.runtime, "strip arg must be None or str, not \(other.typeName)")
            }
            return .string(String(scalars: PyString.strip(try value.pythonString().scalars, chars, left: true, right: true)))
        case "default", "d":
            let a = try bind(["default_value", "boolean"])
            if value.isUndefined || ((a[1]?.isTruthy ?? false) && !value.isTruthy) { return a[0] ?? .string("") }
            return value
        case "first":
            try noArguments()
            if let v = try interpreter.puller(value)() { return v }
            return .undefined(Undefined(.hint("No first item, sequence was empty.")))
        case "last":
            try noArguments()
            if case .iterator(let it) = value { throw TemplateError(.runtime, "'\(it.typeName)' object is not reversible") }
            if let v = try interpreter.iterate(value).last { return v }
            return .undefined(Undefined(.hint("No last item, sequence was empty.")))
        case "join":
            let a = try bind(["d", "attribute"])
            var items = try interpreter.iterate(value)
            if let attribute = a[1], !isNone(attribute) {
                let getter = try attributeGetter(attribute)
                items = try items.map { (v: Value) throws(TemplateError) -> Value in try getter(v) }
            }
            let separator = try (a[0] ?? .string("")).pythonString()
            var parts: [String] = []
            parts.reserveCapacity(items.count)
            for v in items { parts.append(try v.pythonString()) }
            let joined = parts.joined(separator: separator)
            try Operators.checkSize(joined.utf8.count)
            return .string(joined)
        case "list":
            try noArguments()
            return .list(try interpreter.iterate(value))
        case "items":
            try noArguments()
            switch value {
            case .undefined: return .iterator(ValueIterator("generator", elements: []))
            case .dict(let d):
                return .iterator(ValueIterator("generator", elements: zip(d.keys, d.values).map { .tuple([$0.0, $0.1]) }))
            default: throw TemplateError(.runtime, "Can only get item pairs from a mapping.")
            }
        case "tojson":
            let a = try bind(["ensure_ascii", "indent", "separators", "sort_keys"])
            return .string(try JSONDump.dump(value, ensureASCII: a[0]?.isTruthy ?? false, indent: a[1], separators: a[2],
                                              sortKeys: a[3]?.isTruthy ?? false, interpreter: interpreter))
        case "map":
            return try map(value, args, interpreter)
        case "select", "reject", "selectattr", "rejectattr":
            return try select(value, args, interpreter, byAttribute: name.hasSuffix("attr"), keep: name.hasPrefix("select"))
        case "replace":
            let a = try bind(["old", "new", "count"])
            guard let old = a[0], let new = a[1] else { throw TemplateError(.runtime, "\(function) needs old and new") }
            var count = -1
            if let c = a[2], !isNone(c) { count = try integer(c, function) }
            let r = PyString.replace(try value.pythonString().scalars, try old.pythonString().scalars,
                                     try new.pythonString().scalars, count: count)
            try Operators.checkSize(r.count)
            return .string(String(scalars: r))
        case "indent":
            return try indent(value, try bind(["width", "first", "blank"]))
        case "int":
            let a = try bind(["default", "base"])
            if case .undefined(let u) = value { throw u.error }
            return toInt(value, default: a[0] ?? .int(0), base: try a[1].map { (v: Value) throws(TemplateError) in try integer(v, function) } ?? 10)
        case "float":
            let a = try bind(["default"])
            if case .undefined(let u) = value { throw u.error }
            return toFloat(value) ?? a[0] ?? .double(0)
        case "abs":
            try noArguments()
            switch value {
            case .int(let i):
                guard i != Int.min else { throw Operators.overflow() }
                return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return .double(abs(d))
            default: throw TemplateError(.runtime, "bad operand type for abs(): '\(value.typeName)'")
            }
        case "round":
            let a = try bind(["precision", "method"])
            let precision = try a[0].map { (v: Value) throws(TemplateError) in try integer(v, function) } ?? 0
            let method = try a[1]?.pythonString() ?? "common"
            return try round(value, precision, method)
        case "reverse":
            try noArguments()
            switch value {
            case .string(let s): return .string(String(scalars: s.scalars.reversed()))
            case .list(let items): return .iterator(ValueIterator("list_reverseiterator", elements: items.reversed()))
            case .tuple(let items):
                return .iterator(ValueIterator("reversed", elements: items.reversed()))
            case .loop(let loop):
                return .iterator(ValueIterator("reversed", elements: loop.items.reversed()))
            case .dict(let d): return .iterator(ValueIterator("dict_reversekeyiterator", elements: d.keys.reversed()))
            case .undefined: return .iterator(ValueIterator("reversed", elements: []))
            case .iterator: return .list(try interpreter.iterate(value).reversed())
            default: throw TemplateError(.runtime, "argument must be iterable")
            }
        case "sort":
            let a = try bind(["reverse", "case_sensitive", "attribute"])
            let items = try interpreter.iterate(value)
            let key = try multiAttributeGetter(a[2], caseSensitive: a[1]?.isTruthy ?? false)
            return .list(try sortedStable(items, key: key, reverse: a[0]?.isTruthy ?? false))
        case "unique":
            let a = try bind(["case_sensitive", "attribute"])
            let getter = try attributeGetter(a[1] ?? .none, caseSensitive: a[0]?.isTruthy ?? false)
            let source = interpreter.puller(value)
            var seen: [Value] = []
            return .iterator(ValueIterator("generator") { () throws(TemplateError) -> Value? in
                while let item = try source() {
                    let key = try getter(item)
                    try requireHashable(key)
                    var isNew = true
                    for s in seen where try Operators.equal(s, key) {
                        isNew = false
                        break
                    }
                    if isNew {
                        seen.append(key)
                        return item
                    }
                }
                return nil
            })
        case "dictsort":
            let a = try bind(["case_sensitive", "by", "reverse"])
            if case .undefined(let u) = value { throw u.error }
            guard case .dict(let d) = value else {
                throw TemplateError(.runtime, "'\(value.typeName)' object has no attribute 'items'")
            }
            let by = try a[1]?.pythonString() ?? "key"
            guard by == "key" || by == "value" else {
                throw TemplateError(.runtime, "You can only sort by either \"key\" or \"value\"")
            }
            let caseSensitive = a[0]?.isTruthy ?? false
            let pairs: [Value] = zip(d.keys, d.values).map { .tuple([$0.0, $0.1]) }
            return .list(try sortedStable(pairs, key: { (pair: Value) throws(TemplateError) -> Value in
                guard case .tuple(let kv) = pair else { return pair }
                let v = kv[by == "key" ? 0 : 1]
                return caseSensitive ? v : ignoreCase(v)
            }, reverse: a[2]?.isTruthy ?? false))
        case "min", "max":
            let a = try bind(["case_sensitive", "attribute"])
            let items = try interpreter.iterate(value)
            guard var best = items.first else {
                return .undefined(Undefined(.hint("No aggregated item, sequence was empty.")))
            }
            let key = try attributeGetter(a[1] ?? .none, caseSensitive: a[0]?.isTruthy ?? false)
            var bestKey = try key(best)
            for item in items.dropFirst() {
                let k = try key(item)
                if name == "min" ? try Operators.less(k, bestKey) : try Operators.less(bestKey, k) {
                    best = item
                    bestKey = k
                }
            }
            return best
        case "sum":
            let a = try bind(["attribute", "start"])
            var items = try interpreter.iterate(value)
            if let attribute = a[0], !isNone(attribute) {
                let getter = try attributeGetter(attribute)
                items = try items.map { (v: Value) throws(TemplateError) -> Value in try getter(v) }
            }
            var total = a[1] ?? .int(0)
            for v in items { total = try Operators.binary(.add, total, v) }
            return total
        case "batch":
            let a = try bind(["linecount", "fill_with"])
            let size = try integer(a[0] ?? .none, function)
            guard size > 0 else { throw TemplateError(.runtime, "\(function) needs a positive line count") }
            let fill = a[1].flatMap { isNone($0) ? nil : $0 }
            let source = interpreter.puller(value)
            return .iterator(ValueIterator("generator") { () throws(TemplateError) -> Value? in
                var chunk: [Value] = []
                while chunk.count < size, let v = try source() { chunk.append(v) }
                guard !chunk.isEmpty else { return nil }
                if let fill { while chunk.count < size { chunk.append(fill) } }
                return .list(chunk)
            })
        case "center":
            let a = try bind(["width"])
            let width = try a[0].map { (v: Value) throws(TemplateError) in try integer(v, function) } ?? 80
            try Operators.checkSize(width)
            return .string(String(scalars: PyString.center(try value.pythonString().scalars, width: width)))
        case "wordcount":
            try noArguments()
            return .int(wordCount(try value.pythonString()))
        case "format":
            if !rawArgs.positional.isEmpty, !rawArgs.keywords.isEmpty {
                throw TemplateError(.runtime, "can't handle positional and keyword arguments at the same time")
            }
            var d = Dict()
            for k in rawArgs.keywords { d[k.name] = k.value }
            let operand: Value = rawArgs.keywords.isEmpty ? .tuple(rawArgs.positional) : .dict(d)
            let format: Value
            if case .markup = rawValue { format = rawValue } else { format = .string(try rawValue.pythonString()) }
            return try Operators.binary(.modulo, format, operand)
        case "truncate":
            let a = try bind(["length", "killwords", "end", "leeway"])
            let length = try a[0].map { (v: Value) throws(TemplateError) in try integer(v, function) } ?? 255
            let end = try a[2]?.pythonString() ?? "..."
            let leeway = try a[3].flatMap { isNone($0) ? nil : $0 }.map { (v: Value) throws(TemplateError) in try integer(v, function) } ?? 5
            // jinja2 measures whatever it gets, and only cuts strings.
            guard length >= end.scalars.count, leeway >= 0 else {
                throw TemplateError(.runtime, "\(function): expected length >= \(end.scalars.count) and leeway >= 0")
            }
            let (limit, overflow) = length.addingReportingOverflow(leeway)
            let measured = try Self.length(value)
            if overflow || measured <= limit { return value }
            guard case .string(let s) = value else {
                throw TemplateError(.runtime, "\(function) can only shorten strings, not \(value.typeName)")
            }
            let text = s.scalars
            let cut = Array(text.prefix(max(0, length - end.scalars.count)))
            if a[1]?.isTruthy ?? false { return .string(String(scalars: cut) + end) }
            let kept = PyString.rfind(cut, [" "]).map { Array(cut[..<$0]) } ?? cut
            return .string(String(scalars: kept) + end)
        case "attr":
            let a = try bind(["name"])
            if case .undefined(let u) = value { throw u.error }
            let attribute = try (a[0] ?? .none).pythonString()
            return Attributes.pythonAttribute(value, attribute) ?? Attributes.missing(value, attribute)
        case "striptags":
            try noArguments()
            return .string(stripTags(try value.pythonString()))
        default:
            if names.contains(name) { throw TemplateError(.unsupported, "unsupported filter '\(name)'") }
            throw TemplateError(.unsupported, "unknown filter '\(name)'")
        }
    }

    // MARK: - Helpers

    static func isNone(_ v: Value) -> Bool { if case .none = v { return true } else { return false } }

    static func integer(_ v: Value, _ function: String) throws(TemplateError) -> Int {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: throw TemplateError(.runtime, "\(function): '\(v.typeName)' object cannot be interpreted as an integer")
        }
    }

    /// Python's `len()`.
    static func length(_ value: Value) throws(TemplateError) -> Int {
        switch value {
        case .string(let s): return s.pythonLength
        case .list(let a), .tuple(let a): return a.count
        case .dict(let d): return d.count
        case .undefined: return 0
        case .loop(let l): return l.length
        default: throw TemplateError(.runtime, "object of type '\(value.typeName)' has no len()")
        }
    }

    /// jinja2's `title` filter: words start after `-`, whitespace or an opening bracket.
    static func title(_ s: String) -> String {
        var out = ""
        var atWordStart = true
        for c in s.unicodeScalars {
            let separator = isPythonSpace(c) || "-({[<".unicodeScalars.contains(c)
            if separator {
                out.unicodeScalars.append(c)
                atWordStart = true
            } else if atWordStart {
                out += c.properties.uppercaseMapping
                atWordStart = false
            } else {
                out += c.properties.lowercaseMapping
            }
        }
        return out
    }

    static func wordCount(_ s: String) -> Int {
        var n = 0
        var inWord = false
        for c in s.unicodeScalars {
            let word = c == "_" || PyString.isAlpha(c) || PyString.isNumeric(c) || c.properties.generalCategory == .nonspacingMark
            if word, !inWord { n += 1 }
            inWord = word
        }
        return n
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func stripTags(_ s: String) -> String {
        var text = s.scalars
        func removeSpans(_ open: Scalars, _ close: Scalars) {
            var out: Scalars = []
            var i = 0
            while i < text.count {
                if text[i...].starts(with: open), let end = PyString.find(text, close, from: i + open.count) {
                    i = end + close.count
                } else {
                    out.append(text[i])
                    i += 1
                }
            }
            text = out
        }
        removeSpans(Array("<!--".unicodeScalars), Array("-->".unicodeScalars))
        removeSpans(["<"], [">"])
        let words = PyString.split(text, nil).map { String(scalars: $0) }
        return words.joined(separator: " ")
            .replacingAll("&lt;", "<").replacingAll("&gt;", ">").replacingAll("&#34;", "\"")
            .replacingAll("&#39;", "'").replacingAll("&quot;", "\"").replacingAll("&amp;", "&")
    }

    static func ignoreCase(_ v: Value) -> Value {
        if case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    static func requireHashable(_ v: Value) throws(TemplateError) {
        switch v {
        case .list, .dict: throw TemplateError(.runtime, "unhashable type: '\(v.typeName)'")
        case .tuple(let items): for item in items { try requireHashable(item) }
        default: break
        }
    }

    /// jinja2's `make_attrgetter`: "a.b.0" looks up a, then b, then item 0.
    static func attributeGetter(_ attribute: Value, caseSensitive: Bool = true, defaultValue: Value? = nil)
        throws(TemplateError) -> (Value) throws(TemplateError) -> Value
    {
        let parts = try attributeParts(attribute)
        return { (item: Value) throws(TemplateError) -> Value in
            var v = item
            for p in parts {
                v = try Attributes.item(v, p)
                if let defaultValue, v.isUndefined { v = defaultValue }
            }
            return caseSensitive ? v : ignoreCase(v)
        }
    }

    private static func attributeParts(_ attribute: Value) throws(TemplateError) -> [Value] {
        switch attribute {
        case .none: return []
        case .string(let s):
            return s.split(separator: ".", omittingEmptySubsequences: false).map { part in
                if !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let i = Int(part) { return .int(i) }
                return .string(String(part))
            }
        default: return [attribute]
        }
    }

    /// `sort`'s key: several comma-separated attributes compare as a list.
    static func multiAttributeGetter(_ attribute: Value?, caseSensitive: Bool) throws(TemplateError)
        -> (Value) throws(TemplateError) -> Value
    {
        guard case .string(let s)? = attribute, s.contains(",") else {
            let getter = try attributeGetter(attribute ?? .none, caseSensitive: caseSensitive)
            return { (v: Value) throws(TemplateError) -> Value in .list([try getter(v)]) }
        }
        let getters = try s.split(separator: ",", omittingEmptySubsequences: false).map {
            (part: Substring) throws(TemplateError) in try attributeGetter(.string(String(part)), caseSensitive: caseSensitive)
        }
        return { (v: Value) throws(TemplateError) -> Value in
            .list(try getters.map { (g: (Value) throws(TemplateError) -> Value) throws(TemplateError) in try g(v) })
        }
    }

    /// A stable merge sort (Python's `sorted` is stable; its comparisons can fail with TypeError).
    static func sortedStable(_ items: [Value], key: (Value) throws(TemplateError) -> Value, reverse: Bool)
        throws(TemplateError) -> [Value]
    {
        var keyed: [(key: Value, value: Value)] = []
        keyed.reserveCapacity(items.count)
        for v in items { keyed.append((try key(v), v)) }
        // Python's reverse=True keeps equal items in their original order.
        func before(_ a: Value, _ b: Value) throws(TemplateError) -> Bool {
            reverse ? try Operators.less(b, a) : try Operators.less(a, b)
        }
        var buffer = keyed
        var width = 1
        let n = keyed.count
        while width < n {
            var start = 0
            while start < n {
                let mid = min(start + width, n), end = min(start + 2 * width, n)
                var i = start, j = mid, k = start
                while i < mid, j < end {
                    if try before(keyed[j].key, keyed[i].key) {
                        buffer[k] = keyed[j]
                        j += 1
                    } else {
                        buffer[k] = keyed[i]
                        i += 1
                    }
                    k += 1
                }
                while i < mid { buffer[k] = keyed[i]; i += 1; k += 1 }
                while j < end { buffer[k] = keyed[j]; j += 1; k += 1 }
                start += 2 * width
            }
            swap(&keyed, &buffer)
            width *= 2
        }
        return keyed.map(\.value)
    }

    private static func map(_ value: Value, _ args: CallArguments, _ interpreter: Interpreter) throws(TemplateError) -> Value {
        let transform: (Value) throws(TemplateError) -> Value
        if args.positional.isEmpty, let attribute = args.keywords.first(where: { $0.name == "attribute" })?.value {
            var defaultValue: Value?
            for k in args.keywords where k.name != "attribute" {
                guard k.name == "default" else { throw TemplateError(.runtime, "Unexpected keyword argument '\(k.name)'") }
                defaultValue = k.value
            }
            if let d = defaultValue, isNone(d) { defaultValue = nil }
            transform = try attributeGetter(attribute, defaultValue: defaultValue)
        } else {
            guard let first = args.positional.first else { throw TemplateError(.runtime, "map requires a filter argument") }
            let filter = try first.pythonString()
            let rest = CallArguments(Array(args.positional.dropFirst()), args.keywords)
            transform = { [unowned interpreter] (item: Value) throws(TemplateError) -> Value in
                try apply(filter, item, rest, interpreter: interpreter)
            }
        }
        guard value.isTruthy else { return .iterator(ValueIterator("generator", elements: [])) }
        let source = interpreter.puller(value)
        return .iterator(ValueIterator("generator") { () throws(TemplateError) -> Value? in
            guard let item = try source() else { return nil }
            return try transform(item)
        })
    }

    private static func select(_ value: Value, _ args: CallArguments, _ interpreter: Interpreter, byAttribute: Bool, keep: Bool)
        throws(TemplateError) -> Value
    {
        var offset = 0
        var getter: (Value) throws(TemplateError) -> Value = { (v: Value) throws(TemplateError) -> Value in v }
        if byAttribute {
            guard let attribute = args.positional.first else {
                throw TemplateError(.runtime, "Missing parameter for attribute name")
            }
            getter = try attributeGetter(attribute)
            offset = 1
        }
        let predicate: (Value) throws(TemplateError) -> Bool
        if args.positional.count > offset {
            let test = try args.positional[offset].pythonString()
            let rest = CallArguments(Array(args.positional.dropFirst(offset + 1)), args.keywords)
            predicate = { [unowned interpreter] (v: Value) throws(TemplateError) -> Bool in
                try Tests.apply(test, v, rest, interpreter: interpreter)
            }
        } else {
            predicate = { (v: Value) -> Bool in v.isTruthy }
        }
        guard value.isTruthy else { return .iterator(ValueIterator("generator", elements: [])) }
        let source = interpreter.puller(value)
        return .iterator(ValueIterator("generator") { () throws(TemplateError) -> Value? in
            while let item = try source() {
                if try predicate(try getter(item)) == keep { return item }
            }
            return nil
        })
    }

    private static func indent(_ value: Value, _ a: [Value?]) throws(TemplateError) -> Value {
        guard case .string(let s) = value else {
            if case .undefined(let u) = value { throw u.error }
            throw TemplateError(.runtime, "unsupported operand type(s) for +=: '\(value.typeName)' and 'str'")
        }
        var indentation: String
        switch a[0] {
        case nil: indentation = "    "
        case .string(let w)?: indentation = w
        case let w?:
            let n = try integer(w, "filter 'indent'")
            try Operators.checkWidth(n)
            indentation = String(repeating: " ", count: max(0, n))
        }
        let first = a[1]?.isTruthy ?? false
        let blank = a[2]?.isTruthy ?? false
        let lines = PyString.splitLines((s + "\n").scalars).map { String(scalars: $0) }
        var out: String
        if blank {
            out = lines.joined(separator: "\n" + indentation)
        } else {
            out = lines.first ?? ""
            if lines.count > 1 {
                out += "\n" + lines.dropFirst().map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
            }
        }
        if first { out = indentation + out }
        try Operators.checkSize(out.utf8.count)
        return .string(out)
    }

    /// The `int` filter: Python's `int(value)`, else `int(float(value))` (so "42.7" gives 42),
    /// else the default.
    static func toInt(_ value: Value, default defaultValue: Value, base: Int) -> Value {
        switch value {
        case .int: return value
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d):
            guard d.isFinite, abs(d) < 9.2e18 else { return defaultValue }
            return .int(Int(d))
        case .string(let s):
            if let i = parseInt(s, base: base) { return .int(i) }
            if let d = parseFloat(s), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return defaultValue
        default:
            return defaultValue
        }
    }

    static func toFloat(_ value: Value) -> Value? {
        switch value {
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .double: return value
        case .string(let s): return parseFloat(s).map { .double($0) }
        default: return nil
        }
    }

    /// Python's `int(text, base)`: surrounding whitespace, a sign, underscores between digits,
    /// and with base 0 a 0x/0o/0b prefix.
    static func parseInt(_ text: String, base: Int) -> Int? {
        var s = Substring(String(scalars: PyString.strip(text.scalars, nil, left: true, right: true)))
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        var radix = base
        let lower = s.lowercased()
        if base == 0 || base == 16, lower.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if base == 0 || base == 8, lower.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if base == 0 || base == 2, lower.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        else if base == 0 { radix = 10 }
        if s.first == "_", radix != base || base == 0 { s = s.dropFirst() }
        guard (2...36).contains(radix), !s.isEmpty, s.first != "_", s.last != "_", !s.contains("__") else { return nil }
        guard let magnitude = Int(s.filter { $0 != "_" }, radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Python's `float(text)`.
    static func parseFloat(_ text: String) -> Double? {
        let s = String(scalars: PyString.strip(text.scalars, nil, left: true, right: true)).lowercased()
        var body = Substring(s)
        var sign = 1.0
        if body.first == "-" || body.first == "+" {
            if body.first == "-" { sign = -1 }
            body = body.dropFirst()
        }
        switch body {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && ($0.isNumber || "._e+-".contains($0)) }),
            !body.hasPrefix("_"), !body.hasSuffix("_"), !body.contains("__")
        else { return nil }
        let cleaned = body.filter { $0 != "_" }
        guard cleaned.first != "e", let d = Double(cleaned) else { return nil }
        return sign * d
    }

    private static func round(_ value: Value, _ precision: Int, _ method: String) throws(TemplateError) -> Value {
        guard ["common", "ceil", "floor"].contains(method) else {
            throw TemplateError(.runtime, "method must be common, ceil or floor")
        }
        if method != "common" {
            guard let x = Operators.number(value)?.double else {
                throw TemplateError(.runtime, "unsupported operand type(s) for *: '\(value.typeName)' and 'int'")
            }
            let scale = Foundation.pow(10.0, Double(precision))
            let scaled = x * scale
            return .double((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
        }
        switch value {
        case .int(let i):
            guard precision < 0 else { return .int(i) }
            guard precision > -19 else { return .int(0) }
            var scale = 1
            for _ in 0..<(-precision) { scale *= 10 }
            // Python rounds half to even on the exact integer.
            var q = i / scale, r = i % scale
            if r < 0 { q -= 1; r += scale }
            if 2 * r > scale || (2 * r == scale && q % 2 != 0) { q += 1 }
            let (result, overflow) = q.multipliedReportingOverflow(by: scale)
            if overflow { throw Operators.overflow() }
            return .int(result)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d):
            guard d.isFinite else { return value }
            if precision == 0 { return .double(d.rounded(.toNearestOrEven)) }
            if precision > 0 {
                // The C library rounds the exact binary value correctly, as Python's round does.
                return .double(Double(String(format: "%.\(min(precision, 300))f", d)) ?? d)
            }
            let scale = Foundation.pow(10.0, Double(-precision))
            return .double((d / scale).rounded(.toNearestOrEven) * scale)
        default:
            throw TemplateError(.runtime, "type \(value.typeName) doesn't define __round__ method")
        }
    }
}

