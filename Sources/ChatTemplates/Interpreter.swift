import Foundation

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// Variables visible at one point of a template. jinja2's scoping, which templates depend on:
/// a `for` iteration, a macro call, and the bodies of block `set`, `filter`, `call` and `with`
/// get a fresh child scope (their `set`s vanish afterwards, and every iteration starts again
/// from the enclosing values); `if` does not. Macros see their defining scope at call time.
final class Scope {
    var vars: [String: Value]
    let parent: Scope?

    init(parent: Scope?, vars: [String: Value] = [:]) {
        self.parent = parent
        self.vars = vars
    }

    func lookup(_ name: String) -> Value? {
        var scope = self
        while true {
            if let v = scope.vars[name] { return v }
            guard let p = scope.parent else { return nil }
            scope = p
        }
    }
}

final class Macro: RenderOwned {
    let definition: MacroDefinition
    /// The scope the macro was defined in; nil once its render has ended.
    private(set) var closure: Scope?
    init(_ definition: MacroDefinition, _ closure: Scope) {
        self.definition = definition
        self.closure = closure
    }
    func release() { closure = nil }
}

/// Evaluated call arguments.
struct CallArguments {
    var positional: [Value] = []
    var keywords: [(name: String, value: Value)] = []

    init(_ positional: [Value] = [], _ keywords: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    var isEmpty: Bool { positional.isEmpty && keywords.isEmpty }

    /// The arguments with `Markup` values as plain strings.
    var plain: CallArguments {
        func isMarkup(_ v: Value) -> Bool { if case .markup = v { return true } else { return false } }
        guard positional.contains(where: isMarkup) || keywords.contains(where: { isMarkup($0.value) }) else { return self }
        return CallArguments(positional.map(\.plain), keywords.map { ($0.name, $0.value.plain) })
    }

    /// Python-style binding to named parameters: `[value or nil]` in parameter order.
    func bind(_ names: [String], function: String) throws(TemplateError) -> [Value?] {
        guard positional.count <= names.count else {
            throw TemplateError(.runtime, "\(function) takes at most \(names.count) argument(s) (\(positional.count) given)")
        }
        var bound: [Value?] = positional.map { $0 }
        bound += Array(repeating: nil, count: names.count - positional.count)
        for (name, value) in keywords {
            guard let i = names.firstIndex(of: name) else {
                throw TemplateError(.runtime, "\(function) got an unexpected keyword argument '\(name)'")
            }
            guard bound[i] == nil else { throw TemplateError(.runtime, "\(function) got multiple values for argument '\(name)'") }
            bound[i] = value
        }
        return bound
    }
}

/// Renders a parsed template. One per render: it holds the limits' counters and the fixed "now".
final class Interpreter {
    enum Flow { case normal, breakLoop, continueLoop }

    static let maxMacroDepth = 200
    /// Stack a render may use for nested macro calls and recursive loops (about 2 KB a level),
    /// further limited to what the calling thread has left, so that deep recursion is an error
    /// rather than a crash even on a 512 KB secondary thread.
    static let maxStackBytes = 1 << 20
    static let maxIterations = 5_000_000
    static let maxRange = 100_000
    /// Largest string (UTF-8 bytes) a template may build or output.
    static let maxStringBytes = 64 << 20

    let now: Date
    private var macroDepth = 0
    private var iterations = 0
    private var owned: [any RenderOwned] = []
    private var stackBase = 0
    /// Computed on the first deep call: asking the system for the stack bounds is slow
    /// (glibc reads /proc/self/maps for the main thread).
    private var stackBudget: Int?

    init(now: Date) { self.now = now }

    /// Registers an object to release when the render ends.
    func own<T: RenderOwned>(_ object: T) -> T {
        owned.append(object)
        return object
    }

    func render(_ nodes: [Node], context: [String: TemplateValue]) throws(TemplateError) -> String {
        defer {
            for object in owned { object.release() }
            owned = []
        }
        stackBase = Self.stackAddress()
        stackBudget = nil
        let root = Scope(parent: nil, vars: Globals.values())
        for (name, value) in context where value != .undefined { root.vars[name] = Value(value) }
        var out = ""
        _ = try execute(nodes, root, &out)
        return out
    }

    // MARK: - Statements

    func execute(_ nodes: [Node], _ scope: Scope, _ out: inout String) throws(TemplateError) -> Flow {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .output(let expr, let location):
                let v = try eval(expr, scope)
                try located(location) { () throws(TemplateError) in try write(v, to: &out) }
            case .ifBlock(let branches, let otherwise):
                var body = otherwise
                for branch in branches where try eval(branch.test, scope).isTruthy {
                    body = branch.body
                    break
                }
                let flow = try execute(body, scope, &out)
                if flow != .normal { return flow }
            case .forLoop(let loop):
                let items = try located(loop.location) { () throws(TemplateError) in try iterate(try eval(loop.iterable, scope)) }
                try runFor(loop, items: items, depth0: 0, scope, &out)
            case .set(let target, let expr, let location):
                try assign(target, try eval(expr, scope), scope, location)
            case .setBlock(let target, let filters, let body, let location):
                var text = ""
                _ = try execute(body, Scope(parent: scope), &text)
                var value = Value.string(text)
                for f in filters { value = try applyFilter(f, value, scope) }
                try assign(target, value, scope, location)
            case .macro(let definition):
                scope.vars[definition.name] = .callable(Callable(.macro(own(Macro(definition, scope)))))
            case .callBlock(let caller, let call, let location):
                guard case .call(let callee, let arguments, let callLocation) = call else { break }
                let function = try eval(callee, scope)
                var args = try evalArguments(arguments, scope)
                args.keywords.append(("caller", .callable(Callable(.macro(own(Macro(caller, scope)))))))
                let result = try located(callLocation) { () throws(TemplateError) in try self.call(function, args) }
                try located(location) { () throws(TemplateError) in try write(result, to: &out) }
            case .filterBlock(let filters, let body):
                var text = ""
                _ = try execute(body, Scope(parent: scope), &text)
                var value = Value.string(text)
                for f in filters { value = try applyFilter(f, value, scope) }
                try write(value, to: &out)
            case .with(let assignments, let body):
                let inner = Scope(parent: scope)
                for a in assignments { try assign(a.target, try eval(a.value, scope), inner, .unknown) }
                let flow = try execute(body, inner, &out)
                if flow != .normal { return flow }
            case .scoped(let body):
                let flow = try execute(body, Scope(parent: scope), &out)
                if flow != .normal { return flow }
            case .loopBreak:
                return .breakLoop
            case .loopContinue:
                return .continueLoop
            }
        }
        return .normal
    }

    private func write(_ value: Value, to out: inout String) throws(TemplateError) {
        switch value {
        case .string(let s): out += s
        case .undefined: break
        default: out += try value.pythonString()
        }
        guard out.utf8.count <= Self.maxStringBytes else {
            throw TemplateError(.limit, "output larger than \(Self.maxStringBytes >> 20) MB")
        }
    }

    /// Runs `body` and gives any error without a position the position of `location`.
    @inline(__always)
    func located<T>(_ location: SourceLocation, _ body: () throws(TemplateError) -> T) throws(TemplateError) -> T {
        do {
            return try body()
        } catch {
            throw error.located(location)
        }
    }

    private func runFor(_ loop: ForLoop, items source: [Value], depth0: Int, _ scope: Scope, _ out: inout String)
        throws(TemplateError)
    {
        var items = source
        if let condition = loop.condition {
            items = []
            for item in source {
                let s = Scope(parent: scope)
                try assign(loop.target, item, s, loop.location)
                if try eval(condition, s).isTruthy { items.append(item) }
            }
        }
        let context = own(LoopContext(items: items, depth0: depth0))
        if loop.recursive {
            context.recurse = { [unowned self] (value: Value) throws(TemplateError) -> Value in
                var text = ""
                let nested = try self.iterate(value)
                try self.runFor(loop, items: nested, depth0: depth0 + 1, scope, &text)
                return .string(text)
            }
        }
        // jinja2 runs `else` unless an iteration reached the end of the body (no break/continue).
        var completedOne = false
        for (i, item) in items.enumerated() {
            iterations += 1
            guard iterations <= Self.maxIterations else {
                throw TemplateError(.limit, "more than \(Self.maxIterations) loop iterations",
                                    line: loop.location.line, column: loop.location.column)
            }
            context.index0 = i
            let s = Scope(parent: scope)
            s.vars["loop"] = .loop(context)
            try assign(loop.target, item, s, loop.location)
            let flow = try execute(loop.body, s, &out)
            if flow == .breakLoop { break }
            if flow == .normal { completedOne = true }
        }
        if !completedOne, !loop.otherwise.isEmpty {
            _ = try execute(loop.otherwise, Scope(parent: scope), &out)
        }
    }

    func assign(_ target: Target, _ value: Value, _ scope: Scope, _ location: SourceLocation) throws(TemplateError) {
        switch target {
        case .name(let name):
            scope.vars[name] = value
        case .tuple(let targets, let l):
            let items: [Value]
            switch value {
            case .none, .int, .double, .bool, .callable, .namespace:
                throw TemplateError(.runtime, "cannot unpack non-iterable \(value.typeName) object", line: l.line, column: l.column)
            default:
                items = try located(l) { () throws(TemplateError) in try iterate(value) }
            }
            guard items.count == targets.count else {
                let message = items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))"
                throw TemplateError(.runtime, message, line: l.line, column: l.column)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope, l) }
        case .namespaceAttribute(let name, let attribute, let l):
            guard case .namespace(let ns)? = scope.lookup(name) else {
                throw TemplateError(.runtime, "cannot assign attribute on non-namespace object", line: l.line, column: l.column)
            }
            if attribute.hasPrefix("_") {
                throw TemplateError(.security, Globals.underscoreMessage(attribute), line: l.line, column: l.column)
            }
            guard !value.nestingExceeds(maxValueDepth / 2) else {
                throw TemplateError(.limit, "value nested more than \(maxValueDepth / 2) levels deep", line: l.line, column: l.column)
            }
            ns.attributes[attribute] = value
        }
    }

    // MARK: - Expressions

    func eval(_ expr: Expr, _ scope: Scope) throws(TemplateError) -> Value {
        switch expr {
        case .literal(let l):
            switch l {
            case .none: return .none
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            case .string(let s): return .string(s)
            }
        case .name(let name, _):
            return scope.lookup(name) ?? .undefined(Undefined(.name(name)))
        case .list(let items):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for e in items { values.append(try eval(e, scope)) }
            return .list(values)
        case .tuple(let items):
            var values: [Value] = []
            values.reserveCapacity(items.count)
            for e in items { values.append(try eval(e, scope)) }
            return .tuple(values)
        case .dict(let pairs, let location):
            var d = Dict()
            for p in pairs {
                let key = try eval(p.key, scope).plain
                guard Dict.isHashable(key) else {
                    throw TemplateError(.runtime, "unhashable type: '\(key.typeName)'", line: location.line, column: location.column)
                }
                d[key] = try eval(p.value, scope)
            }
            return .dict(d)
        case .attribute(let object, let name, let location):
            let o = try eval(object, scope)
            return try located(location) { () throws(TemplateError) in try Attributes.get(o, name) }
        case .item(let object, let key, let location):
            let o = try eval(object, scope)
            if case .slice(let a, let b, let c) = key {
                let start = try a.map { (e: Expr) throws(TemplateError) in try eval(e, scope) }
                let stop = try b.map { (e: Expr) throws(TemplateError) in try eval(e, scope) }
                let step = try c.map { (e: Expr) throws(TemplateError) in try eval(e, scope) }
                return try located(location) { () throws(TemplateError) in try Attributes.slice(o, start, stop, step) }
            }
            let k = try eval(key, scope)
            return try located(location) { () throws(TemplateError) in try Attributes.item(o, k) }
        case .slice:
            throw TemplateError(.syntax, "a slice is only valid inside [ ]")
        case .negate(let operand, let location):
            let v = try eval(operand, scope)
            return try located(location) { () throws(TemplateError) in try Operators.negate(v) }
        case .plus(let operand, let location):
            let v = try eval(operand, scope)
            return try located(location) { () throws(TemplateError) in try Operators.plus(v) }
        case .binary(let op, let a, let b, let location):
            let left = try eval(a, scope)
            let right = try eval(b, scope)
            return try located(location) { () throws(TemplateError) in try Operators.binary(op, left, right) }
        case .concat(let items):
            var text = ""
            for e in items { text += try eval(e, scope).pythonString() }
            try Operators.checkSize(text.utf8.count)
            return .string(text)
        case .and(let a, let b):
            let left = try eval(a, scope)
            return left.isTruthy ? try eval(b, scope) : left
        case .or(let a, let b):
            let left = try eval(a, scope)
            return left.isTruthy ? left : try eval(b, scope)
        case .not(let a):
            return .bool(!(try eval(a, scope).isTruthy))
        case .compare(let first, let ops, let location):
            var left = try eval(first, scope)
            for (op, operand) in ops {
                let right = try eval(operand, scope)
                let holds = try located(location) { () throws(TemplateError) in try Operators.compare(op, left, right) }
                guard holds else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let test, let then, let otherwise):
            if try eval(test, scope).isTruthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            return .undefined(Undefined(.hint("the inline if-expression evaluated to false and no else section was defined.")))
        case .call(let callee, let arguments, let location):
            if case .attribute(let objectExpr, let name, let attrLocation) = callee {
                // Method calls go straight to the implementation, without a bound-method value.
                let object = try eval(objectExpr, scope)
                let args = try evalArguments(arguments, scope)
                if let result = try located(attrLocation, { () throws(TemplateError) in
                    try Methods.call(object, name, args, interpreter: self)
                }) {
                    return result
                }
                let function = try located(attrLocation) { () throws(TemplateError) in try Attributes.get(object, name) }
                return try located(location) { () throws(TemplateError) in try call(function, args) }
            }
            let function = try eval(callee, scope)
            let args = try evalArguments(arguments, scope)
            return try located(location) { () throws(TemplateError) in try call(function, args) }
        case .filter(let operand, let application):
            return try applyFilter(application, try eval(operand, scope), scope)
        case .test(let operand, let application):
            let v = try eval(operand, scope)
            let args = try evalArguments(application.arguments, scope)
            return try located(application.location) { () throws(TemplateError) in
                .bool(try Tests.apply(application.name, v, args, interpreter: self))
            }
        }
    }

    func evalArguments(_ arguments: Arguments, _ scope: Scope) throws(TemplateError) -> CallArguments {
        var args = CallArguments()
        args.positional.reserveCapacity(arguments.positional.count)
        for e in arguments.positional { args.positional.append(try eval(e, scope)) }
        if let star = arguments.star { args.positional += try iterate(try eval(star, scope)) }
        for k in arguments.keywords { args.keywords.append((k.name, try eval(k.value, scope))) }
        if let doubleStar = arguments.doubleStar {
            guard case .dict(let d) = try eval(doubleStar, scope) else {
                throw TemplateError(.runtime, "argument after ** must be a mapping")
            }
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let name) = k else { throw TemplateError(.runtime, "keywords must be strings") }
                args.keywords.append((name, v))
            }
        }
        return args
    }

    func applyFilter(_ application: Application, _ value: Value, _ scope: Scope) throws(TemplateError) -> Value {
        let args = try evalArguments(application.arguments, scope)
        return try located(application.location) { () throws(TemplateError) in
            try Filters.apply(application.name, value, args, interpreter: self)
        }
    }

    // MARK: - Calls

    func call(_ function: Value, _ args: CallArguments) throws(TemplateError) -> Value {
        switch function {
        case .callable(let c):
            switch c.kind {
            case .builtin(let b): return try Globals.call(b, args, interpreter: self)
            case .macro(let m): return try callMacro(m, args)
            case .method(let receiver, let name):
                if let result = try Methods.call(receiver, name, args, interpreter: self) { return result }
                throw TemplateError(.unsupported, "unsupported method '\(receiver.typeName).\(name)'")
            case .loopCycle(let loop):
                guard !args.positional.isEmpty else { throw TemplateError(.runtime, "no items for cycling given") }
                return args.positional[loop.index0 % args.positional.count]
            case .loopChanged(let loop):
                let value = Value.tuple(args.positional)
                if let last = loop.lastChanged, try Operators.equal(last, value) { return .bool(false) }
                loop.lastChanged = value
                return .bool(true)
            case .loopRecurse(let loop):
                return try recurse(loop, args)
            }
        case .loop(let loop):
            return try recurse(loop, args)
        case .undefined(let u):
            throw u.error
        default:
            throw TemplateError(.runtime, "'\(function.typeName)' object is not callable")
        }
    }

    /// An address in the current stack frame.
    @inline(never)
    static func stackAddress() -> Int {
        var marker = 0
        return withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
    }

    /// The lowest address of the current thread's stack, if the system tells.
    static func stackLowBound() -> Int? {
        #if canImport(Darwin)
        let thread = pthread_self()
        return Int(bitPattern: pthread_get_stackaddr_np(thread)) - pthread_get_stacksize_np(thread)
        #elseif canImport(Glibc)
        // pthread_getattr_np is a GNU extension the Glibc module does not import.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        let getattr = unsafeBitCast(symbol, to: GetAttr.self)
        var attributes = pthread_attr_t()
        guard getattr(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        return Int(bitPattern: address)
        #else
        return nil
        #endif
    }

    /// Refuses to go deeper when nested calls have used the render's stack budget.
    private func checkStack(_ what: String) throws(TemplateError) {
        guard macroDepth > 16 else { return }
        let budget: Int
        if let stackBudget {
            budget = stackBudget
        } else {
            if let low = Self.stackLowBound() {
                budget = max(0, min(Self.maxStackBytes, stackBase - low - (96 << 10)))
            } else {
                budget = 256 << 10
            }
            stackBudget = budget
        }
        let used = abs(stackBase - Self.stackAddress())
        guard used <= budget else {
            throw TemplateError(.limit, "\(what) nested too deeply (infinite recursion?)")
        }
    }

    private func recurse(_ loop: LoopContext, _ args: CallArguments) throws(TemplateError) -> Value {
        guard let recurse = loop.recurse else {
            throw TemplateError(.runtime, "Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.")
        }
        guard args.positional.count == 1, args.keywords.isEmpty else {
            throw TemplateError(.runtime, "a recursive loop takes one iterable argument")
        }
        macroDepth += 1
        defer { macroDepth -= 1 }
        guard macroDepth <= Self.maxMacroDepth else {
            throw TemplateError(.limit, "recursive loop nested more than \(Self.maxMacroDepth) levels deep")
        }
        try checkStack("recursive loop")
        return try recurse(args.positional[0])
    }

    func callMacro(_ macro: Macro, _ args: CallArguments) throws(TemplateError) -> Value {
        let d = macro.definition
        macroDepth += 1
        defer { macroDepth -= 1 }
        guard macroDepth <= Self.maxMacroDepth else {
            throw TemplateError(.limit, "macro calls nested more than \(Self.maxMacroDepth) levels deep (infinite recursion?)",
                                line: d.location.line, column: d.location.column)
        }
        try checkStack("macro calls")
        guard let closure = macro.closure else {
            throw TemplateError(.runtime, "macro '\(d.name)' called after its template finished rendering")
        }
        let scope = Scope(parent: closure)
        let names = d.parameters.map(\.name)
        for (i, v) in args.positional.prefix(names.count).enumerated() { scope.vars[names[i]] = v }
        var varargs: [Value] = []
        if args.positional.count > names.count {
            guard d.usesVarargs else {
                throw TemplateError(.runtime, "macro '\(d.name)' takes not more than \(names.count) argument(s)")
            }
            varargs = Array(args.positional[names.count...])
        }
        var kwargs = Dict()
        var caller: Value?
        for (name, value) in args.keywords {
            if name == "caller" {
                caller = value
            } else if let i = names.firstIndex(of: name) {
                guard i >= args.positional.count else {
                    throw TemplateError(.runtime, "macro '\(d.name)' got multiple values for argument '\(name)'")
                }
                scope.vars[name] = value
            } else if d.usesKwargs {
                kwargs[name] = value
            } else {
                throw TemplateError(.runtime, "macro '\(d.name)' takes no keyword argument '\(name)'")
            }
        }
        for p in d.parameters where scope.vars[p.name] == nil {
            if let defaultValue = p.defaultValue {
                scope.vars[p.name] = try eval(defaultValue, scope)
            } else {
                scope.vars[p.name] = .undefined(Undefined(.hint("parameter '\(p.name)' was not provided")))
            }
        }
        if d.usesVarargs { scope.vars["varargs"] = .tuple(varargs) }
        if d.usesKwargs { scope.vars["kwargs"] = .dict(kwargs) }
        if d.usesCaller { scope.vars["caller"] = caller ?? .undefined(Undefined(.hint("No caller defined"))) }
        var out = ""
        _ = try execute(d.body, scope, &out)
        return .string(out)
    }

    // MARK: - Iteration

    /// The items a `for` loop or a filter sees: characters of a string, keys of a dict; an
    /// undefined value iterates as empty; a generator is consumed.
    func iterate(_ value: Value) throws(TemplateError) -> [Value] {
        switch value.plain {
        case .list(let items), .tuple(let items): return items
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .dict(let d): return d.keys
        case .undefined: return []
        case .iterator(let it):
            var items: [Value] = []
            while let v = try it.next() {
                items.append(v)
                iterations += 1
                guard iterations <= Self.maxIterations else {
                    throw TemplateError(.limit, "more than \(Self.maxIterations) loop iterations")
                }
            }
            return items
        case .loop(let l): return l.items
        default:
            throw TemplateError(.runtime, "'\(value.typeName)' object is not iterable")
        }
    }

    /// A pull function over `value`'s items, evaluated lazily as Python generators are: the
    /// "not iterable" error only comes when the first item is asked for.
    func puller(_ value: Value) -> () throws(TemplateError) -> Value? {
        if case .iterator(let it) = value { return { () throws(TemplateError) in try it.next() } }
        var items: [Value]?
        var i = 0
        return { [unowned self] () throws(TemplateError) -> Value? in
            if items == nil { items = try self.iterate(value) }
            guard i < items!.count else { return nil }
            defer { i += 1 }
            return items![i]
        }
    }
}

extension Value {
    /// Whether containers nest deeper than `limit` (checked where a template could otherwise
    /// build an unboundedly deep value: assignments to namespace attributes).
    func nestingExceeds(_ limit: Int) -> Bool {
        var budget = 100_000
        func walk(_ v: Value, _ depth: Int) -> Bool {
            budget -= 1
            if budget < 0 { return false }
            switch v {
            case .list(let items), .tuple(let items):
                if depth >= limit { return true }
                return items.contains { walk($0, depth + 1) }
            case .dict(let d):
                if depth >= limit { return true }
                return d.values.contains { walk($0, depth + 1) }
            default:
                return false
            }
        }
        return walk(self, 0)
    }
}
