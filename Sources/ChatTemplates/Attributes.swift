/// `a.b`, `a[k]` and `a[i:j:k]` with the rules of jinja2's ImmutableSandboxedEnvironment:
///
/// - `a.b` prefers a Python attribute (so `message.items` is the dict method, not a key named
///   "items"), then falls back to the item; `a['b']` prefers the item, then the attribute.
/// - Missing attributes, keys and indexes give an Undefined that remembers its origin, so that
///   printing it gives "" but using it further raises "'dict object' has no attribute 'x'".
/// - Methods that would mutate a list or dict (`append`, `update`, ...) and dunder attributes
///   are "unsafe": an Undefined that raises a SecurityError when used.
enum Attributes {
    static let strMethods: Set<String> = [
        "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
        "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill",
    ]
    static let dictMethods: Set<String> = [
        "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault", "update", "values",
    ]
    static let listMethods: Set<String> = [
        "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove", "reverse", "sort",
    ]
    static let tupleMethods: Set<String> = ["count", "index"]
    static let intMethods: Set<String> = [
        "as_integer_ratio", "bit_count", "bit_length", "conjugate", "from_bytes", "to_bytes",
    ]
    static let floatMethods: Set<String> = ["as_integer_ratio", "conjugate", "fromhex", "hex", "is_integer"]

    /// Methods the immutable sandbox refuses (jinja2's `modifies_known_mutable`).
    static let unsafeListMethods: Set<String> = ["append", "clear", "pop", "reverse", "insert", "sort", "extend", "remove"]
    static let unsafeDictMethods: Set<String> = ["clear", "pop", "popitem", "setdefault", "update"]

    static func unsafe(_ object: Value, _ name: String) -> Value {
        .undefined(Undefined(.attribute(owner: object.objectTypeRepr, name: name),
                             securityMessage: "access to attribute '\(name)' of '\(object.typeName)' object is unsafe."))
    }

    static func missing(_ object: Value, _ name: String) -> Value {
        .undefined(Undefined(.attribute(owner: object.objectTypeRepr, name: name)))
    }

    static func method(_ object: Value, _ name: String) -> Value {
        .callable(Callable(.method(receiver: object, name: name)))
    }

    /// The Python attribute `name` of `object`, if it has one (methods included).
    static func pythonAttribute(_ object: Value, _ name: String) -> Value? {
        if name.hasPrefix("__"), name.hasSuffix("__"), name.count > 4 { return unsafe(object, name) }
        switch object {
        case .string:
            return strMethods.contains(name) ? method(object, name) : nil
        case .dict:
            if unsafeDictMethods.contains(name) { return unsafe(object, name) }
            return dictMethods.contains(name) ? method(object, name) : nil
        case .list:
            if unsafeListMethods.contains(name) { return unsafe(object, name) }
            return listMethods.contains(name) ? method(object, name) : nil
        case .tuple:
            return tupleMethods.contains(name) ? method(object, name) : nil
        case .int, .bool:
            let i: Int
            if case .int(let v) = object { i = v } else if case .bool(let b) = object { i = b ? 1 : 0 } else { i = 0 }
            switch name {
            case "real", "numerator": return .int(i)
            case "imag": return .int(0)
            case "denominator": return .int(1)
            default: return intMethods.contains(name) ? method(object, name) : nil
            }
        case .double(let d):
            switch name {
            case "real": return .double(d)
            case "imag": return .double(0)
            default: return floatMethods.contains(name) ? method(object, name) : nil
            }
        case .namespace(let ns):
            return ns.attributes[name]
        case .loop(let loop):
            return loopAttribute(loop, name)
        default:
            return nil
        }
    }

    /// `object.name`.
    static func get(_ rawObject: Value, _ name: String) throws(TemplateError) -> Value {
        if case .undefined(let u) = rawObject { throw u.error }
        let object = rawObject.plain
        if let v = pythonAttribute(object, name) { return v }
        if case .dict(let d) = object, let v = d[name] { return v }
        return missing(rawObject, name)
    }

    /// `object[key]`.
    static func item(_ rawObject: Value, _ rawKey: Value) throws(TemplateError) -> Value {
        if case .undefined(let u) = rawObject { throw u.error }
        if case .markup(let s) = rawObject {
            let result = try item(.string(s), rawKey)
            if case .string(let r) = result { return .markup(r) }
            return result
        }
        let object = rawObject, key = rawKey.plain
        switch object {
        case .list(let items), .tuple(let items):
            if let i = index(key) {
                let k = i < 0 ? i + items.count : i
                if k >= 0, k < items.count { return items[k] }
                return .undefined(Undefined(.element(owner: object.objectTypeRepr, key: try key.pythonRepresentation())))
            }
        case .string(let s):
            if let i = index(key) {
                let scalars = s.unicodeScalars
                let count = scalars.count
                let k = i < 0 ? i + count : i
                if k >= 0, k < count { return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: k)])) }
                return .undefined(Undefined(.element(owner: object.objectTypeRepr, key: try key.pythonRepresentation())))
            }
        case .dict(let d):
            if Dict.isHashable(key), let v = d[key] { return v }
        case .loop(let loop):
            if case .int = key { break }
            _ = loop
        default:
            break
        }
        if case .string(let name) = key {
            if let v = pythonAttribute(object, name) { return v }
            return missing(object, name)
        }
        return .undefined(Undefined(.element(owner: object.objectTypeRepr, key: try key.pythonRepresentation())))
    }

    private static func index(_ key: Value) -> Int? {
        switch key {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// `object[start:stop:step]` with Python's index adjustment. jinja2 compiles slices to plain
    /// Python slicing (not through the sandbox's getitem), so slicing a number or a dict is a
    /// TypeError rather than an undefined value.
    static func slice(_ rawObject: Value, _ start: Value?, _ stop: Value?, _ step: Value?) throws(TemplateError) -> Value {
        if case .undefined(let u) = rawObject { throw u.error }
        if case .markup(let s) = rawObject {
            let result = try slice(.string(s), start, stop, step)
            if case .string(let r) = result { return .markup(r) }
            return result
        }
        let object = rawObject
        func bound(_ v: Value?) -> Int?? {
            guard let v else { return .some(nil) }
            if case .none = v { return .some(nil) }
            return index(v).map { .some($0) } ?? nil
        }
        switch object {
        case .list, .tuple, .string: break
        case .dict: throw TemplateError(.runtime, "unhashable type: 'slice'")
        default: throw TemplateError(.runtime, "'\(object.typeName)' object is not subscriptable")
        }
        guard let a = bound(start), let b = bound(stop), let c = bound(step) else {
            throw TemplateError(.runtime, "slice indices must be integers or None or have an __index__ method")
        }
        let stride = c ?? 1
        guard stride != 0 else { throw TemplateError(.runtime, "slice step cannot be zero") }
        func pick<T>(_ items: [T]) -> [T] {
            let n = items.count
            func adjust(_ v: Int?, _ defaultValue: Int) -> Int {
                guard var v else { return defaultValue }
                if v < 0 {
                    v += n
                    if v < 0 { v = stride < 0 ? -1 : 0 }
                } else if v >= n {
                    v = stride < 0 ? n - 1 : n
                }
                return v
            }
            var i = adjust(a, stride < 0 ? n - 1 : 0)
            let end = adjust(b, stride < 0 ? -1 : n)
            var out: [T] = []
            if stride > 0 {
                while i < end {
                    out.append(items[i])
                    guard stride < end - i else { break }
                    i += stride
                }
            } else {
                while i > end {
                    out.append(items[i])
                    guard stride > end - i else { break }
                    i += stride
                }
            }
            return out
        }
        switch object {
        case .list(let items): return .list(pick(items))
        case .tuple(let items): return .tuple(pick(items))
        case .string(let s): return .string(String(scalars: pick(s.scalars)))
        default: throw TemplateError(.runtime, "'\(object.typeName)' object is not subscriptable")
        }
    }

    static func loopAttribute(_ loop: LoopContext, _ name: String) -> Value? {
        let i = loop.index0, n = loop.length
        switch name {
        case "index": return .int(i + 1)
        case "index0": return .int(i)
        case "revindex": return .int(n - i)
        case "revindex0": return .int(n - i - 1)
        case "first": return .bool(i == 0)
        case "last": return .bool(i == n - 1)
        case "length": return .int(n)
        case "depth": return .int(loop.depth0 + 1)
        case "depth0": return .int(loop.depth0)
        case "previtem": return i > 0 ? loop.items[i - 1] : .undefined(Undefined(.hint("there is no previous item")))
        case "nextitem": return i + 1 < n ? loop.items[i + 1] : .undefined(Undefined(.hint("there is no next item")))
        case "cycle": return .callable(Callable(.loopCycle(loop)))
        case "changed": return .callable(Callable(.loopChanged(loop)))
        default: return nil
        }
    }
}
