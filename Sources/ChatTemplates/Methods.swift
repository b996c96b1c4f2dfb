/// Python methods called on values: `content.startswith('<tool_response>')`,
/// `content.split('</think>')`, `message.get('name')`, `tools|length`... Python semantics
/// throughout (code points, `str.isspace` whitespace, Python's error messages).
enum Methods {
    /// The result of `object.name(args)`, or nil when `object` has no such Python method (the
    /// caller then looks the name up as an attribute or key). A Python method that rat does not
    /// implement is an `.unsupported` error naming it.
    static func call(_ rawObject: Value, _ name: String, _ rawArgs: CallArguments, interpreter: Interpreter)
        throws(TemplateError) -> Value?
    {
        if case .markup(let s) = rawObject {
            let result = try call(.string(s), name, rawArgs, interpreter: interpreter)
            if case .string(let r)? = result, markupMethods.contains(name) { return .markup(r) }
            return result
        }
        let object = rawObject
        let args = rawArgs.plain
        switch object {
        case .string(let s):
            guard Attributes.strMethods.contains(name) else { return nil }
            return try stringMethod(s, name, args, interpreter)
        case .dict(let d):
            guard Attributes.dictMethods.contains(name), !Attributes.unsafeDictMethods.contains(name) else { return nil }
            return try dictMethod(d, name, args)
        case .list(let items), .tuple(let items):
            let isList: Bool
            if case .list = object { isList = true } else { isList = false }
            guard isList ? Attributes.listMethods.contains(name) && !Attributes.unsafeListMethods.contains(name)
                : Attributes.tupleMethods.contains(name)
            else { return nil }
            return try sequenceMethod(items, isList: isList, name, args)
        case .int, .bool, .double:
            return try numberMethod(object, name, args)
        default:
            return nil
        }
    }

    /// The str methods whose result markupsafe keeps a Markup.
    static let markupMethods: Set<String> = [
        "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip", "rstrip", "center", "strip",
        "translate", "expandtabs", "swapcase", "zfill", "format", "join",
    ]

    private static func unsupported(_ type: String, _ name: String) -> TemplateError {
        TemplateError(.unsupported, "unsupported method '\(type).\(name)'")
    }

    private static func string(_ v: Value?, _ what: String) throws(TemplateError) -> String? {
        switch v {
        case nil, .none?: return nil
        case .string(let s)?: return s
        case let other?: throw TemplateError(.runtime, "\(what) must be str or None, not \(other.typeName)")
        }
    }

    private static func int(_ v: Value?, _ what: String) throws(TemplateError) -> Int? {
        switch v {
        case nil, .none?: return nil
        case .int(let i)?: return i
        case .bool(let b)?: return b ? 1 : 0
        case let other?: throw TemplateError(.runtime, "'\(other.typeName)' object cannot be interpreted as an integer (\(what))")
        }
    }

    // MARK: - str

    private static func stringMethod(_ s: String, _ name: String, _ args: CallArguments, _ interpreter: Interpreter)
        throws(TemplateError) -> Value
    {
        let function = "str.\(name)()"
        func result(_ scalars: Scalars) -> Value { .string(String(scalars: scalars)) }
        func list(_ parts: [Scalars]) -> Value { .list(parts.map { .string(String(scalars: $0)) }) }
        switch name {
        case "startswith", "endswith":
            let a = try args.bind(["prefix", "start", "end"], function: function)
            let text = s.scalars
            let (start, end) = PyString.clampRange(text.count, try int(a[1], "start"), try int(a[2], "end"))
            var candidates: [String] = []
            switch a[0] {
            case .string(let p)?: candidates = [p]
            case .tuple(let items)?:
                for item in items {
                    guard case .string(let p) = item else {
                        throw TemplateError(.runtime, "tuple for \(name) must only contain str, not \(item.typeName)")
                    }
                    candidates.append(p)
                }
            default:
                throw TemplateError(.runtime, "\(name) first arg must be str or a tuple of str, not \(a[0]?.typeName ?? "nothing")")
            }
            guard start <= end else { return .bool(false) }
            let window = text[start..<end]
            for p in candidates {
                let ps = p.scalars
                if name == "startswith" ? window.starts(with: ps) : window.reversed().starts(with: ps.reversed()) {
                    return .bool(true)
                }
            }
            return .bool(false)
        case "split", "rsplit":
            let a = try args.bind(["sep", "maxsplit"], function: function)
            let sep = try string(a[0], "sep").map(\.scalars)
            if let sep, sep.isEmpty { throw TemplateError(.runtime, "empty separator") }
            let maxSplit = try int(a[1], "maxsplit") ?? -1
            return list(name == "split" ? PyString.split(s.scalars, sep, maxSplit: maxSplit)
                : PyString.rsplit(s.scalars, sep, maxSplit: maxSplit))
        case "splitlines":
            let a = try args.bind(["keepends"], function: function)
            return list(PyString.splitLines(s.scalars, keepEnds: a[0]?.isTruthy ?? false))
        case "strip", "lstrip", "rstrip":
            let a = try args.bind(["chars"], function: function)
            let chars = try string(a[0], "\(name) arg").map(\.scalars)
            return result(PyString.strip(s.scalars, chars, left: name != "rstrip", right: name != "lstrip"))
        case "replace":
            let a = try args.bind(["old", "new", "count"], function: function)
            guard case .string(let old)? = a[0], case .string(let new)? = a[1] else {
                throw TemplateError(.runtime, "replace() arguments must be str")
            }
            let r = PyString.replace(s.scalars, old.scalars, new.scalars, count: try int(a[2], "count") ?? -1)
            try Operators.checkSize(r.count)
            return result(r)
        case "upper": try noArguments(args, function); return .string(s.uppercased())
        case "lower": try noArguments(args, function); return .string(s.lowercased())
        case "casefold": try noArguments(args, function); return .string(s.lowercased().replacingAll("ß", "ss"))
        case "title": try noArguments(args, function); return .string(PyString.title(s))
        case "capitalize": try noArguments(args, function); return .string(PyString.capitalize(s))
        case "swapcase": try noArguments(args, function); return .string(PyString.swapcase(s))
        case "find", "rfind", "index", "rindex", "count":
            let a = try args.bind(["sub", "start", "end"], function: function)
            guard case .string(let sub)? = a[0] else {
                throw TemplateError(.runtime, "must be str, not \(a[0]?.typeName ?? "nothing")")
            }
            let text = s.scalars
            let (start, end) = PyString.clampRange(text.count, try int(a[1], "start"), try int(a[2], "end"))
            if name == "count" { return .int(PyString.count(text, sub.scalars, from: start, to: end)) }
            let found = name.hasPrefix("r") ? PyString.rfind(text, sub.scalars, from: start, to: end)
                : PyString.find(text, sub.scalars, from: start, to: end)
            if let found { return .int(found) }
            if name.hasSuffix("index") { throw TemplateError(.runtime, "substring not found") }
            return .int(-1)
        case "format":
            return .string(try BraceFormat.format(s, args))
        case "join":
            let a = try args.bind(["iterable"], function: function)
            var parts: [String] = []
            for (i, v) in try interpreter.iterate(a[0] ?? .none).enumerated() {
                guard case .string(let p) = v else {
                    throw TemplateError(.runtime, "sequence item \(i): expected str instance, \(v.typeName) found")
                }
                parts.append(p)
            }
            let joined = parts.joined(separator: s)
            try Operators.checkSize(joined.utf8.count)
            return .string(joined)
        case "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
            "isprintable", "isspace", "istitle", "isupper":
            try noArguments(args, function)
            return .bool(predicate(s, name))
        case "center", "ljust", "rjust":
            let a = try args.bind(["width", "fillchar"], function: function)
            guard let width = try int(a[0], "width") else { throw TemplateError(.runtime, "\(function) takes a width") }
            var fill: Unicode.Scalar = " "
            if let f = try string(a[1], "fillchar") {
                guard f.unicodeScalars.count == 1 else {
                    throw TemplateError(.runtime, "The fill character must be exactly one character long")
                }
                fill = f.unicodeScalars.first!
            }
            try Operators.checkSize(width)
            let text = s.scalars
            let pad = max(0, width - text.count)
            switch name {
            case "center": return result(PyString.center(text, width: width, fill: fill))
            case "ljust": return result(text + Array(repeating: fill, count: pad))
            default: return result(Array(repeating: fill, count: pad) + text)
            }
        case "zfill":
            let a = try args.bind(["width"], function: function)
            let width = try int(a[0], "width") ?? 0
            try Operators.checkSize(width)
            return result(PyString.zfill(s.scalars, width: width))
        case "partition", "rpartition":
            let a = try args.bind(["sep"], function: function)
            guard case .string(let sep)? = a[0] else { throw TemplateError(.runtime, "must be str") }
            if sep.isEmpty { throw TemplateError(.runtime, "empty separator") }
            let text = s.scalars, ps = sep.scalars
            let found = name == "partition" ? PyString.find(text, ps) : PyString.rfind(text, ps)
            guard let k = found else {
                return name == "partition" ? .tuple([.string(s), .string(""), .string("")])
                    : .tuple([.string(""), .string(""), .string(s)])
            }
            return .tuple([result(Array(text[..<k])), .string(sep), result(Array(text[(k + ps.count)...]))])
        case "removeprefix", "removesuffix":
            let a = try args.bind(["affix"], function: function)
            guard case .string(let affix)? = a[0] else { throw TemplateError(.runtime, "\(function) argument must be str") }
            let text = s.scalars, fs = affix.scalars
            if name == "removeprefix", text.starts(with: fs) { return result(Array(text.dropFirst(fs.count))) }
            if name == "removesuffix", !fs.isEmpty, text.reversed().starts(with: fs.reversed()) {
                return result(Array(text.dropLast(fs.count)))
            }
            return .string(s)
        default:
            throw unsupported("str", name)
        }
    }

    private static func noArguments(_ args: CallArguments, _ function: String) throws(TemplateError) {
        guard args.isEmpty else { throw TemplateError(.runtime, "\(function) takes no arguments") }
    }

    static func predicate(_ s: String, _ name: String) -> Bool {
        let scalars = s.unicodeScalars
        switch name {
        case "isascii": return scalars.allSatisfy { $0.isASCII }
        case "isprintable": return scalars.allSatisfy(isPythonPrintable)
        case "islower": return PyString.isLower(s)
        case "isupper": return PyString.isUpper(s)
        case "istitle": return PyString.isTitle(s)
        case "isidentifier":
            guard let first = scalars.first, first == "_" || first.properties.isXIDStart else { return false }
            return scalars.dropFirst().allSatisfy { $0 == "_" || $0.properties.isXIDContinue }
        default: break
        }
        guard !scalars.isEmpty else { return false }
        switch name {
        case "isalnum":
            return scalars.allSatisfy { PyString.isAlpha($0) || PyString.isNumeric($0) }
        case "isalpha": return scalars.allSatisfy(PyString.isAlpha)
        case "isdecimal": return scalars.allSatisfy(PyString.isDecimal)
        case "isdigit": return scalars.allSatisfy(PyString.isDigit)
        case "isnumeric": return scalars.allSatisfy(PyString.isNumeric)
        case "isspace": return scalars.allSatisfy(isPythonSpace)
        default: return false
        }
    }

    // MARK: - dict, list, tuple, numbers

    private static func dictMethod(_ d: Dict, _ name: String, _ args: CallArguments) throws(TemplateError) -> Value {
        let function = "dict.\(name)()"
        switch name {
        case "get":
            guard args.keywords.isEmpty, (1...2).contains(args.positional.count) else {
                throw TemplateError(.runtime, "get expected 1 or 2 arguments, got \(args.positional.count)")
            }
            let key = args.positional[0]
            guard Dict.isHashable(key) else { throw TemplateError(.runtime, "unhashable type: '\(key.typeName)'") }
            if let v = d[key] { return v }
            return args.positional.count > 1 ? args.positional[1] : .none
        case "items":
            try noArguments(args, function)
            return .list(zip(d.keys, d.values).map { .tuple([$0.0, $0.1]) })
        case "keys":
            try noArguments(args, function)
            return .list(d.keys)
        case "values":
            try noArguments(args, function)
            return .list(d.values)
        case "copy":
            try noArguments(args, function)
            return .dict(d)
        default:
            throw unsupported("dict", name)
        }
    }

    private static func sequenceMethod(_ items: [Value], isList: Bool, _ name: String, _ args: CallArguments)
        throws(TemplateError) -> Value
    {
        let type = isList ? "list" : "tuple"
        switch name {
        case "count":
            guard args.positional.count == 1, args.keywords.isEmpty else {
                throw TemplateError(.runtime, "\(type).count() takes exactly one argument")
            }
            var n = 0
            for v in items where try Operators.equal(v, args.positional[0]) { n += 1 }
            return .int(n)
        case "index":
            let a = try args.bind(["value", "start", "stop"], function: "\(type).index()")
            let (start, end) = PyString.clampRange(items.count, try int(a[1], "start"), try int(a[2], "stop"))
            if start < end {
                for i in start..<end where try Operators.equal(items[i], a[0] ?? .none) { return .int(i) }
            }
            throw TemplateError(.runtime, isList ? "\(try (a[0] ?? .none).pythonRepresentation()) is not in list"
                : "tuple.index(x): x not in tuple")
        case "copy":
            return .list(items)
        default:
            throw unsupported(type, name)
        }
    }

    private static func numberMethod(_ v: Value, _ name: String, _ args: CallArguments) throws(TemplateError) -> Value? {
        switch (v, name) {
        case (.double(let d), "is_integer"):
            try noArguments(args, "float.is_integer()")
            return .bool(d.isFinite && d == d.rounded())
        case (.double, "conjugate"), (.int, "conjugate"):
            try noArguments(args, "conjugate()")
            return v
        case (.bool(let b), "conjugate"):
            return .int(b ? 1 : 0)
        case (.int(let i), "bit_length"):
            return .int(i == 0 ? 0 : Int.bitWidth - i.magnitude.leadingZeroBitCount)
        default:
            if case .double = v, Attributes.floatMethods.contains(name) { throw unsupported("float", name) }
            if Attributes.intMethods.contains(name), case .double = v {} else if Attributes.intMethods.contains(name) {
                throw unsupported("int", name)
            }
            return nil
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced, comparing code points.
    func replacingAll(_ target: String, _ replacement: String) -> String {
        String(scalars: PyString.replace(scalars, target.scalars, replacement.scalars))
    }
}
