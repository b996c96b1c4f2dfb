import Foundation

/// Python's arithmetic, comparison and containment, with Python's error messages: `bool` is an
/// int, `/` always gives a float, `//` and `%` floor toward negative infinity, `+` concatenates
/// only like types, and any undefined operand raises its UndefinedError.
enum Operators {
    static func typeError(_ message: String) -> TemplateError { TemplateError(.runtime, message) }

    /// Widths and precisions in format specs and padding filters, which would otherwise let a
    /// short template ask for gigabytes.
    static let maxWidth = 1 << 20

    static func checkWidth(_ width: Int?) throws(TemplateError) {
        guard let width, width > maxWidth else { return }
        throw TemplateError(.limit, "width or precision \(width) is larger than \(maxWidth)")
    }

    static func checkSize(_ bytes: Int) throws(TemplateError) {
        guard bytes <= Interpreter.maxStringBytes else {
            throw TemplateError(.limit, "string larger than \(Interpreter.maxStringBytes >> 20) MB")
        }
    }

    /// Numbers as Python sees them: bool and int are integers.
    enum Number {
        case int(Int)
        case double(Double)
        var double: Double {
            switch self {
            case .int(let i): return Double(i)
            case .double(let d): return d
            }
        }
    }

    static func number(_ v: Value) -> Number? {
        switch v {
        case .int(let i): return .int(i)
        case .bool(let b): return .int(b ? 1 : 0)
        case .double(let d): return .double(d)
        default: return nil
        }
    }

    static func negate(_ raw: Value) throws(TemplateError) -> Value {
        let v = raw.plain
        if case .undefined(let u) = v { throw u.error }
        switch number(v) {
        case .int(let i)?:
            guard i != Int.min else { throw overflow() }
            return .int(-i)
        case .double(let d)?: return .double(-d)
        case nil: throw typeError("bad operand type for unary -: '\(v.typeName)'")
        }
    }

    static func plus(_ raw: Value) throws(TemplateError) -> Value {
        let v = raw.plain
        if case .undefined(let u) = v { throw u.error }
        switch number(v) {
        case .int(let i)?: return .int(i)
        case .double(let d)?: return .double(d)
        case nil: throw typeError("bad operand type for unary +: '\(v.typeName)'")
        }
    }

    static func overflow() -> TemplateError {
        TemplateError(.unsupported, "integer overflow: results beyond 64 bits are not supported")
    }

    static func unsupported(_ op: BinaryOperator, _ a: Value, _ b: Value) -> TemplateError {
        typeError("unsupported operand type(s) for \(op.rawValue): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func binary(_ op: BinaryOperator, _ rawA: Value, _ rawB: Value) throws(TemplateError) -> Value {
        if op == .modulo, case .undefined = rawB {
            // An Undefined has __getitem__, so `str % undefined` formats it as a mapping.
            if case .string(let format) = rawA { return .string(try PrintfFormat.format(format, rawB)) }
            if case .markup(let format) = rawA { return .markup(try PrintfFormat.format(format, rawB)) }
        }
        if case .undefined(let u) = rawA { throw u.error }
        if case .undefined(let u) = rawB { throw u.error }
        if let result = try markupOperation(op, rawA, rawB) { return result }
        let a = rawA.plain, b = rawB.plain
        if let x = number(a), let y = number(b) { return try arithmetic(op, x, y) }
        switch (op, a, b) {
        case (.add, .string(let x), .string(let y)):
            try checkSize(x.utf8.count + y.utf8.count)
            return .string(x + y)
        case (.add, .list(let x), .list(let y)):
            return .list(x + y)
        case (.add, .tuple(let x), .tuple(let y)):
            return .tuple(x + y)
        case (.add, .string, _):
            throw typeError("can only concatenate str (not \"\(b.typeName)\") to str")
        case (.add, .list, _):
            throw typeError("can only concatenate list (not \"\(b.typeName)\") to list")
        case (.add, .tuple, _):
            throw typeError("can only concatenate tuple (not \"\(b.typeName)\") to tuple")
        case (.multiply, _, _):
            if case .int(let n)? = number(b), let r = try repeatSequence(a, n) { return r }
            if case .int(let n)? = number(a), let r = try repeatSequence(b, n) { return r }
            func isSequence(_ v: Value) -> Bool {
                switch v {
                case .string, .list, .tuple: return true
                default: return false
                }
            }
            if isSequence(a) || isSequence(b) {
                let other = isSequence(a) ? b : a
                throw typeError("can't multiply sequence by non-int of type '\(other.typeName)'")
            }
            throw unsupported(op, a, b)
        case (.modulo, .string(let format), _):
            return .string(try PrintfFormat.format(format, b))
        default:
            throw unsupported(op, a, b)
        }
    }

    /// markupsafe: `Markup + str` and `str + Markup` escape the plain string, `Markup % args`
    /// escapes the arguments, `Markup * n` stays Markup.
    private static func markupOperation(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(TemplateError) -> Value? {
        func escaped(_ v: Value) throws(TemplateError) -> Value {
            switch v {
            case .markup: return v
            case .string(let s): return .markup(Filters.htmlEscape(s))
            case .list(let items): return .list(try items.map { (x: Value) throws(TemplateError) in try escaped(x) })
            case .tuple(let items): return .tuple(try items.map { (x: Value) throws(TemplateError) in try escaped(x) })
            case .dict(var d):
                for (k, v) in zip(d.keys, d.values) { d[k] = try escaped(v) }
                return .dict(d)
            case .none, .bool, .int, .double: return v
            default: return .markup(Filters.htmlEscape(try v.pythonString()))
            }
        }
        switch (op, a, b) {
        case (.add, .markup(let x), .string(let y)): return .markup(x + Filters.htmlEscape(y))
        case (.add, .string(let x), .markup(let y)): return .markup(Filters.htmlEscape(x) + y)
        case (.add, .markup(let x), .markup(let y)): return .markup(x + y)
        case (.modulo, .markup(let format), _): return .markup(try PrintfFormat.format(format, try escaped(b)))
        case (.multiply, .markup, _), (.multiply, _, .markup):
            guard case .string(let s) = try binary(op, a.plain, b.plain) else { return nil }
            return .markup(s)
        default: return nil
        }
    }

    private static func repeatSequence(_ v: Value, _ n: Int) throws(TemplateError) -> Value? {
        let times = max(0, n)
        switch v {
        case .string(let s):
            try checkSize(s.utf8.count.multipliedReportingOverflow(by: times).overflow ? Int.max : s.utf8.count * times)
            return .string(String(repeating: s, count: times))
        case .list(let items):
            try checkSize(items.count.multipliedReportingOverflow(by: times).overflow ? Int.max : items.count * times)
            return .list(Array([[Value]](repeating: items, count: times).joined()))
        case .tuple(let items):
            try checkSize(items.count.multipliedReportingOverflow(by: times).overflow ? Int.max : items.count * times)
            return .tuple(Array([[Value]](repeating: items, count: times).joined()))
        default:
            return nil
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ x: Number, _ y: Number) throws(TemplateError) -> Value {
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case .add:
                let (r, o) = i.addingReportingOverflow(j)
                if o { throw overflow() }
                return .int(r)
            case .subtract:
                let (r, o) = i.subtractingReportingOverflow(j)
                if o { throw overflow() }
                return .int(r)
            case .multiply:
                let (r, o) = i.multipliedReportingOverflow(by: j)
                if o { throw overflow() }
                return .int(r)
            case .divide:
                guard j != 0 else { throw TemplateError(.runtime, "division by zero") }
                return .double(Double(i) / Double(j))
            case .floorDivide:
                guard j != 0 else { throw TemplateError(.runtime, "integer division or modulo by zero") }
                if i == Int.min, j == -1 { throw overflow() }
                var q = i / j
                if (i % j != 0) && ((i < 0) != (j < 0)) { q -= 1 }
                return .int(q)
            case .modulo:
                guard j != 0 else { throw TemplateError(.runtime, "integer modulo by zero") }
                if j == -1 { return .int(0) }
                var r = i % j
                if r != 0, (r < 0) != (j < 0) { r += j }
                return .int(r)
            case .power:
                if j < 0 {
                    guard i != 0 else { throw TemplateError(.runtime, "0.0 cannot be raised to a negative power") }
                    return .double(Foundation.pow(Double(i), Double(j)))
                }
                var result = 1
                var base = i
                var e = j
                while e > 0 {
                    if e & 1 == 1 {
                        let (r, o) = result.multipliedReportingOverflow(by: base)
                        if o { throw overflow() }
                        result = r
                    }
                    e >>= 1
                    if e > 0 {
                        let (b, o) = base.multipliedReportingOverflow(by: base)
                        if o { throw overflow() }
                        base = b
                    }
                }
                return .int(result)
            }
        }
        let a = x.double, b = y.double
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw TemplateError(.runtime, "float division by zero") }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw TemplateError(.runtime, "float floor division by zero") }
            return .double(floatDivMod(a, b).div)
        case .modulo:
            guard b != 0 else { throw TemplateError(.runtime, "float modulo by zero") }
            return .double(floatDivMod(a, b).mod)
        case .power:
            if a == 0, b < 0 { throw TemplateError(.runtime, "0.0 cannot be raised to a negative power") }
            if a < 0, b != b.rounded() {
                throw TemplateError(.unsupported, "complex results of ** are not supported")
            }
            return .double(Foundation.pow(a, b))
        }
    }

    /// CPython's float_divmod.
    static func floatDivMod(_ vx: Double, _ wx: Double) -> (div: Double, mod: Double) {
        var mod = fmod(vx, wx)
        var div = (vx - mod) / wx
        if mod != 0 {
            if (wx < 0) != (mod < 0) {
                mod += wx
                div -= 1
            }
        } else {
            mod = Double(signOf: wx, magnitudeOf: 0)
        }
        var floordiv: Double
        if div != 0 {
            floordiv = div.rounded(.down)
            if div - floordiv > 0.5 { floordiv += 1 }
        } else {
            floordiv = Double(signOf: vx / wx, magnitudeOf: 0)
        }
        return (floordiv, mod)
    }

    // MARK: - Comparison

    /// Python `==`: numbers across int/float/bool, strings by code point, containers deeply,
    /// and jinja2's rule that any two undefined values are equal.
    static func equal(_ rawA: Value, _ rawB: Value, depth: Int = 0) throws(TemplateError) -> Bool {
        let a = rawA.plain, b = rawB.plain
        guard depth < maxValueDepth else { throw TemplateError(.limit, "values nested too deeply to compare") }
        switch (a, b) {
        case (.undefined, .undefined): return true
        case (.undefined, _), (_, .undefined): return false
        case (.none, .none): return true
        case let (.string(x), .string(y)): return pythonEqual(x, y)
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            guard x.count == y.count else { return false }
            for (p, q) in zip(x, y) where !(try equal(p, q, depth: depth + 1)) { return false }
            return true
        case let (.dict(x), .dict(y)):
            guard x.count == y.count else { return false }
            for (k, v) in zip(x.keys, x.values) {
                guard let w = y[k], try equal(v, w, depth: depth + 1) else { return false }
            }
            return true
        case let (.namespace(x), .namespace(y)): return x === y
        case let (.callable(x), .callable(y)): return x === y
        case let (.iterator(x), .iterator(y)): return x === y
        case let (.loop(x), .loop(y)): return x === y
        default:
            if let x = number(a), let y = number(b) { return numbersEqual(x, y) }
            return false
        }
    }

    static func numbersEqual(_ x: Number, _ y: Number) -> Bool {
        switch (x, y) {
        case let (.int(i), .int(j)): return i == j
        case let (.int(i), .double(d)), let (.double(d), .int(i)): return Double(exactly: i).map { $0 == d } ?? false
        case let (.double(d), .double(e)): return d == e
        }
    }

    /// Python ordering: numbers, strings, and lists/tuples lexicographically; anything else is a
    /// TypeError naming the operator and both types.
    static func compare(_ op: CompareOperator, _ rawA: Value, _ rawB: Value) throws(TemplateError) -> Bool {
        let a = rawA.plain, b = rawB.plain
        switch op {
        case .equal: return try equal(a, b)
        case .notEqual: return !(try equal(a, b))
        case .contains: return try contains(b, a)
        case .notContains: return !(try contains(b, a))
        default: break
        }
        if case .undefined(let u) = a { throw u.error }
        if case .undefined(let u) = b { throw u.error }
        if let x = number(a), let y = number(b) {
            if case .int(let i) = x, case .int(let j) = y {
                switch op {
                case .less: return i < j
                case .lessEqual: return i <= j
                case .greater: return i > j
                default: return i >= j
                }
            }
            let (p, q) = (x.double, y.double)
            switch op {
            case .less: return p < q
            case .lessEqual: return p <= q
            case .greater: return p > q
            default: return p >= q
            }
        }
        guard let order = try ordering(a, b, depth: 0) else {
            throw typeError("'\(op.rawValue)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
        switch op {
        case .less: return order < 0
        case .lessEqual: return order <= 0
        case .greater: return order > 0
        default: return order >= 0
        }
    }

    static func less(_ a: Value, _ b: Value) throws(TemplateError) -> Bool { try compare(.less, a, b) }

    /// -1, 0 or 1 for orderable values; nil when Python has no order for the pair.
    private static func ordering(_ a: Value, _ b: Value, depth: Int) throws(TemplateError) -> Int? {
        guard depth < maxValueDepth else { throw TemplateError(.limit, "values nested too deeply to compare") }
        if let x = number(a), let y = number(b) {
            if numbersEqual(x, y) { return 0 }
            if case .int(let i) = x, case .int(let j) = y { return i < j ? -1 : 1 }
            return x.double < y.double ? -1 : 1
        }
        switch (a, b) {
        case let (.string(x), .string(y)):
            return pythonEqual(x, y) ? 0 : pythonLess(x, y) ? -1 : 1
        case let (.list(x), .list(y)), let (.tuple(x), .tuple(y)):
            for (p, q) in zip(x, y) where !(try equal(p, q, depth: depth + 1)) {
                guard let o = try ordering(p, q, depth: depth + 1) else {
                    throw typeError("'<' not supported between instances of '\(p.typeName)' and '\(q.typeName)'")
                }
                return o
            }
            return x.count == y.count ? 0 : x.count < y.count ? -1 : 1
        case (.undefined(let u), _), (_, .undefined(let u)):
            throw u.error
        default:
            return nil
        }
    }

    /// Python `item in container`.
    static func contains(_ rawContainer: Value, _ rawItem: Value) throws(TemplateError) -> Bool {
        let container = rawContainer.plain, item = rawItem.plain
        switch container {
        case .string(let s):
            guard case .string(let sub) = item else {
                throw typeError("'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return PyString.find(s.scalars, sub.scalars) != nil
        case .list(let items), .tuple(let items):
            for v in items where try equal(v, item) { return true }
            return false
        case .dict(let d):
            if case .undefined = item { return false }
            guard Dict.isHashable(item) else { throw typeError("unhashable type: '\(item.typeName)'") }
            return d.index(of: item) != nil
        case .undefined:
            return false
        case .iterator(let it):
            while let v = try it.next() { if try equal(v, item) { return true } }
            return false
        case .loop(let l):
            for v in l.items where try equal(v, item) { return true }
            return false
        default:
            throw typeError("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
