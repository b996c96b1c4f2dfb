/// jinja2's tests (`x is defined`, `x is string`, `n is divisibleby 3`, ...), with Python's type
/// model: `true is number` holds and `true is integer` does not.
enum Tests {
    static let names: Set<String> = [
        "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
        "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
        "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=", "<", "lt",
        "lessthan", "<=", "le",
    ]

    static func apply(_ name: String, _ rawValue: Value, _ rawArgs: CallArguments, interpreter: Interpreter)
        throws(TemplateError) -> Bool
    {
        if name == "escaped" { if case .markup = rawValue { return true } else { return false } }
        let value = rawValue.plain
        let args = rawArgs.plain
        func argument() throws(TemplateError) -> Value {
            let a = try args.bind(["other"], function: "test '\(name)'")
            guard let v = a[0] else { throw TemplateError(.runtime, "test '\(name)' needs an argument") }
            return v
        }
        let takesArgument: Set<String> = [
            "divisibleby", "sameas", "in", "==", "eq", "equalto", "!=", "ne", "<", "lt", "lessthan", "<=", "le", ">", "gt",
            "greaterthan", ">=", "ge",
        ]
        if names.contains(name), !takesArgument.contains(name), !args.isEmpty {
            throw TemplateError(.runtime, "test '\(name)' takes no arguments")
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true }; return false
        case "boolean": if case .bool = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "integer": if case .int = value { return true }; return false
        case "float": if case .double = value { return true }; return false
        case "number": return Operators.number(value) != nil
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .dict = value { return true }; return false
        case "iterable":
            switch value {
            case .string, .list, .tuple, .dict, .iterator, .undefined, .loop: return true
            default: return false
            }
        case "sequence":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable":
            switch value {
            case .callable, .undefined, .loop: return true
            default: return false
            }
        case "escaped": return false
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            case let (.callable(a), .callable(b)): return a === b
            case let (.iterator(a), .iterator(b)): return a === b
            case let (.loop(a), .loop(b)): return a === b
            case let (.int(a), .int(b)): return a == b && (-5...256).contains(a)
            default: return false
            }
        case "lower": return PyString.isLower(try value.pythonString())
        case "upper": return PyString.isUpper(try value.pythonString())
        case "odd", "even":
            let r = try Operators.binary(.modulo, value, .int(2))
            return try Operators.equal(r, .int(name == "odd" ? 1 : 0))
        case "divisibleby":
            let r = try Operators.binary(.modulo, value, try argument())
            return try Operators.equal(r, .int(0))
        case "in": return try Operators.contains(try argument(), value)
        case "==", "eq", "equalto": return try Operators.equal(value, try argument())
        case "!=", "ne": return !(try Operators.equal(value, try argument()))
        case "<", "lt", "lessthan": return try Operators.compare(.less, value, try argument())
        case "<=", "le": return try Operators.compare(.lessEqual, value, try argument())
        case ">", "gt", "greaterthan": return try Operators.compare(.greater, value, try argument())
        case ">=", "ge": return try Operators.compare(.greaterEqual, value, try argument())
        case "filter":
            guard case .string(let n) = value else { return false }
            return Filters.names.contains(n)
        case "test":
            guard case .string(let n) = value else { return false }
            return names.contains(n)
        default:
            throw TemplateError(.unsupported, "unknown test '\(name)'")
        }
    }
}
