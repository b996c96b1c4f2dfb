/// The global functions of transformers' chat-template environment: jinja2's `range` (capped
/// at 100000 items by the sandbox), `namespace` and `dict`, plus transformers'
/// `raise_exception(message)` and `strftime_now(format)`.
enum Globals {
    static func values() -> [String: Value] {
        var globals: [String: Value] = [:]
        for b in [Callable.Builtin.range, .namespace, .dict, .raiseException, .strftimeNow, .lipsum, .cycler, .joiner] {
            globals[b.rawValue] = .callable(Callable(.builtin(b)))
        }
        return globals
    }

    static func underscoreMessage(_ name: String) -> String {
        "Chat templates cannot store underscore-prefixed attributes on a namespace, but got \(pythonRepr(name)). "
            + "Please rename the attribute."
    }

    static func call(_ builtin: Callable.Builtin, _ args: CallArguments, interpreter: Interpreter) throws(TemplateError) -> Value {
        switch builtin {
        case .range:
            return try range(args)
        case .namespace:
            let d = try dictionary(args, "namespace")
            for case .string(let key) in d.keys where key.hasPrefix("_") { throw TemplateError(.security, underscoreMessage(key)) }
            return .namespace(interpreter.own(Namespace(d)))
        case .dict:
            return .dict(try dictionary(args, "dict"))
        case .raiseException:
            let a = try args.bind(["message"], function: "raise_exception()")
            throw TemplateError(.raised, try (a[0] ?? .none).pythonString())
        case .strftimeNow:
            let a = try args.bind(["format"], function: "strftime_now()")
            guard case .string(let format)? = a[0] else {
                throw TemplateError(.runtime, "strftime() argument 1 must be str, not \(a[0]?.typeName ?? "nothing")")
            }
            return .string(Strftime.format(format, interpreter.now))
        case .lipsum, .cycler, .joiner:
            throw TemplateError(.unsupported, "unsupported global function '\(builtin.rawValue)'")
        }
    }

    private static func range(_ args: CallArguments) throws(TemplateError) -> Value {
        guard args.keywords.isEmpty else { throw TemplateError(.runtime, "range() takes no keyword arguments") }
        var bounds: [Int] = []
        for v in args.positional {
            switch v {
            case .int(let i): bounds.append(i)
            case .bool(let b): bounds.append(b ? 1 : 0)
            case .undefined(let u): throw u.error
            default: throw TemplateError(.runtime, "'\(v.typeName)' object cannot be interpreted as an integer")
            }
        }
        let start: Int, stop: Int, step: Int
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw TemplateError(.runtime, "range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw TemplateError(.runtime, "range() arg 3 must not be zero") }
        let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
        let estimate = span <= 0 ? 0 : ((span - 1) / Double(step).magnitude).rounded(.down) + 1
        guard estimate <= Double(Interpreter.maxRange) else {
            throw TemplateError(.limit, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(Interpreter.maxRange)).")
        }
        // Exact count now that it is small (the estimate is in floating point).
        var count = 0
        var probe = start
        while step > 0 ? probe < stop : probe > stop {
            count += 1
            let (next, overflow) = probe.addingReportingOverflow(step)
            if overflow { break }
            probe = next
        }
        var items: [Value] = []
        items.reserveCapacity(count)
        var v = start
        for _ in 0..<count {
            items.append(.int(v))
            v &+= step
        }
        return .list(items)
    }

    /// `dict(mapping_or_pairs, **kwargs)`.
    private static func dictionary(_ args: CallArguments, _ function: String) throws(TemplateError) -> Dict {
        guard args.positional.count <= 1 else {
            throw TemplateError(.runtime, "\(function) expected at most 1 argument, got \(args.positional.count)")
        }
        var d = Dict()
        switch args.positional.first {
        case nil: break
        case .dict(let source)?: d = source
        case .namespace(let ns)?: d = ns.attributes
        case .list(let pairs)?, .tuple(let pairs)?:
            for (i, pair) in pairs.enumerated() {
                let kv: [Value]
                switch pair {
                case .list(let items), .tuple(let items): kv = items
                case .string(let s): kv = s.unicodeScalars.map { .string(String($0)) }
                default: throw TemplateError(.runtime, "cannot convert dictionary update sequence element #\(i) to a sequence")
                }
                guard kv.count == 2 else {
                    throw TemplateError(.runtime, "dictionary update sequence element #\(i) has length \(kv.count); 2 is required")
                }
                guard Dict.isHashable(kv[0]) else { throw TemplateError(.runtime, "unhashable type: '\(kv[0].typeName)'") }
                d[kv[0]] = kv[1]
            }
        case let other?:
            throw TemplateError(.runtime, "'\(other.typeName)' object is not iterable")
        }
        for k in args.keywords { d[k.name] = k.value }
        return d
    }
}
