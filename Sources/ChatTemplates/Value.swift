/// A value while a template renders: the JSON data of `TemplateValue` plus what templates build
/// themselves (tuples, namespaces, macros, loop objects, one-shot generators) and jinja2's
/// `Undefined`, which remembers how it came about for its error message.
///
/// Lists and dicts are value types: the immutable sandbox forbids every in-place change to them,
/// so copy semantics cannot be told from Python's shared references. Namespaces, which templates
/// do mutate, are a class.
enum Value {
    indirect case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// markupsafe's `Markup`, made by the `safe` and `escape` filters: a string that HTML-escapes
    /// whatever plain string is added to it with `+` or `%` (`"x"|safe + y` escapes y).
    case markup(String)
    case list([Value])
    case tuple([Value])
    case dict(Dict)
    case namespace(Namespace)
    case callable(Callable)
    case iterator(ValueIterator)
    case loop(LoopContext)

    init(_ v: TemplateValue) {
        switch v {
        case .undefined: self = .undefined(Undefined(.hint(nil)))
        case .none: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .list(a.map(Value.init))
        case .object(let pairs):
            var d = Dict()
            d.reserve(pairs.count)
            for p in pairs { d[p.key] = Value(p.value) }
            self = .dict(d)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// A `Markup` as the plain string it is for everything but `+`, `%` and printing.
    var plain: Value {
        if case .markup(let s) = self { return .string(s) }
        return self
    }

    /// Python truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .callable, .iterator, .loop: return true
        }
    }

    /// `type(x).__name__` in Python, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "TemplateNamespace"
        case .callable(let c): return c.typeName
        case .iterator(let it): return it.typeName
        case .loop: return "LoopContext"
        }
    }

    /// jinja2's `object_type_repr`, used in "'dict object' has no attribute 'x'".
    var objectTypeRepr: String {
        switch self {
        case .none: return "None"
        case .namespace: return "transformers.utils.chat_template_utils.TemplateNamespace object"
        case .loop: return "jinja2.runtime.LoopContext object"
        case .markup: return "markupsafe.Markup object"
        case .undefined: return "jinja2.runtime.Undefined object"
        case .callable(let c): return c.isMacro ? "jinja2.runtime.Macro object" : "\(c.typeName) object"
        default: return "\(typeName) object"
        }
    }
}

/// jinja2's `Undefined`: prints as "", is falsy and iterates as empty, and raises an
/// UndefinedError naming its origin on any other use.
struct Undefined {
    enum Origin {
        /// A missing variable: "'x' is undefined".
        case name(String)
        /// A missing attribute or string key: "'dict object' has no attribute 'x'".
        case attribute(owner: String, name: String)
        /// A missing element: "list object has no element 10".
        case element(owner: String, key: String)
        /// A fixed message, e.g. "No first item, sequence was empty.", or none at all.
        case hint(String?)
    }

    var origin: Origin
    /// Set for attributes the sandbox hides (`list.append`): using one is a SecurityError.
    var securityMessage: String?

    init(_ origin: Origin, securityMessage: String? = nil) {
        self.origin = origin
        self.securityMessage = securityMessage
    }

    var message: String {
        if let securityMessage { return securityMessage }
        switch origin {
        case .name(let n): return "'\(n)' is undefined"
        case .attribute(let owner, let name): return "'\(owner)' has no attribute \(pythonRepr(name))"
        case .element(let owner, let key): return "\(owner) has no element \(key)"
        case .hint(let h): return h ?? "undefined value"
        }
    }

    var error: TemplateError {
        TemplateError(securityMessage == nil ? .undefined : .security, message)
    }
}

/// An ordered dict (JSON objects, dict literals, namespaces). Keys are usually strings; a
/// template may also use numbers, booleans, None or tuples, with Python's rule that 1, 1.0 and
/// True are the same key.
///
/// Chat-template dicts are small (a message, a tool schema), so lookup is a linear scan comparing
/// code points as Python does; Swift's `==` on String would also match canonically equivalent
/// spellings.
struct Dict {
    private(set) var keys: [Value] = []
    private(set) var values: [Value] = []

    var count: Int { keys.count }
    var isEmpty: Bool { keys.isEmpty }

    mutating func reserve(_ n: Int) {
        keys.reserveCapacity(n)
        values.reserveCapacity(n)
    }

    func index(of key: String) -> Int? {
        for (i, k) in keys.enumerated() {
            if case .string(let s) = k, pythonEqual(s, key) { return i }
        }
        return nil
    }

    func index(of key: Value) -> Int? {
        if case .string(let s) = key { return index(of: s) }
        for (i, k) in keys.enumerated() where Dict.sameKey(k, key) { return i }
        return nil
    }

    /// Python's dict key equality for hashable values.
    static func sameKey(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): return pythonEqual(x, y)
        case (.none, .none): return true
        case let (.tuple(x), .tuple(y)): return x.count == y.count && zip(x, y).allSatisfy { sameKey($0, $1) }
        default:
            if let x = Operators.number(a), let y = Operators.number(b) { return Operators.numbersEqual(x, y) }
            return false
        }
    }

    /// Whether Python could use `key` as a dict key.
    static func isHashable(_ key: Value) -> Bool {
        switch key {
        case .list, .dict, .undefined: return false
        case .tuple(let items): return items.allSatisfy(isHashable)
        default: return true
        }
    }

    subscript(key: String) -> Value? {
        get { index(of: key).map { values[$0] } }
        set { self[.string(key)] = newValue }
    }

    subscript(key: Value) -> Value? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let newValue { values[i] = newValue } else { keys.remove(at: i); values.remove(at: i) }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }
}

/// A render's objects through which template values can refer back to themselves (a macro
/// kept in the scope it closes over, a namespace holding a value that holds the namespace).
/// The interpreter releases them when the render ends, so such cycles do not leak.
protocol RenderOwned: AnyObject {
    func release()
}

/// `namespace(...)`: the one mutable object a template can make (`{% set ns.x = 1 %}`).
///
/// Only created and used during a single render on one thread.
final class Namespace: RenderOwned {
    var attributes: Dict
    init(_ attributes: Dict) { self.attributes = attributes }
    func release() { attributes = Dict() }
}

/// A Python generator or iterator (the result of `map`, `select`, `reverse`, `items`...):
/// always truthy, without a length, and consumed by the first iteration, as in jinja2.
final class ValueIterator {
    let typeName: String
    private var nextElement: () throws(TemplateError) -> Value?
    private var finished = false

    init(_ typeName: String, _ next: @escaping () throws(TemplateError) -> Value?) {
        self.typeName = typeName
        self.nextElement = next
    }

    convenience init(_ typeName: String, elements: [Value]) {
        var i = 0
        self.init(typeName) { () throws(TemplateError) -> Value? in
            guard i < elements.count else { return nil }
            defer { i += 1 }
            return elements[i]
        }
    }

    func next() throws(TemplateError) -> Value? {
        if finished { return nil }
        if let v = try nextElement() { return v }
        finished = true
        nextElement = { nil }
        return nil
    }
}

/// The `loop` variable of a `for` block.
final class LoopContext: RenderOwned {
    let items: [Value]
    var index0 = 0
    let depth0: Int
    var lastChanged: Value?
    /// For `recursive` loops: renders the loop body again over new items, one level deeper.
    var recurse: ((Value) throws(TemplateError) -> Value)?

    init(items: [Value], depth0: Int) {
        self.items = items
        self.depth0 = depth0
    }

    var length: Int { items.count }

    func release() {
        recurse = nil
        lastChanged = nil
    }
}

/// Something a template can call: a builtin global, a macro, a method bound to its receiver.
final class Callable {
    enum Kind {
        case builtin(Builtin)
        case macro(Macro)
        case method(receiver: Value, name: String)
        case loopCycle(LoopContext)
        case loopChanged(LoopContext)
        case loopRecurse(LoopContext)
    }

    enum Builtin: String {
        case range, namespace, dict, raiseException = "raise_exception", strftimeNow = "strftime_now"
        case lipsum, cycler, joiner
    }

    let kind: Kind
    init(_ kind: Kind) { self.kind = kind }

    var isMacro: Bool { if case .macro = kind { return true } else { return false } }

    var typeName: String {
        switch kind {
        case .builtin(.range), .builtin(.dict): return "type"
        case .builtin(.namespace): return "type"
        case .builtin: return "function"
        case .macro: return "Macro"
        case .method, .loopCycle, .loopChanged: return "builtin_function_or_method"
        case .loopRecurse: return "method"
        }
    }
}
