/// The parsed template: statements (`Node`) holding expressions (`Expr`), as jinja2's parser
/// builds them. Immutable and Sendable, so one parsed `ChatTemplate` serves any number of renders.

enum Literal: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
}

struct Arguments: Sendable {
    var positional: [Expr] = []
    var keywords: [(name: String, value: Expr)] = []
    /// `*args` and `**kwargs` in a call.
    var star: Expr?
    var doubleStar: Expr?
}

/// A filter or test application: `|name(args)` or `is name args`.
struct Application: Sendable {
    var name: String
    var arguments: Arguments
    var location: SourceLocation
}

enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains = "in", notContains = "not in"
}

indirect enum Expr: Sendable {
    case literal(Literal)
    case name(String, SourceLocation)
    case list([Expr])
    case tuple([Expr])
    case dict([(key: Expr, value: Expr)], SourceLocation)
    case attribute(Expr, String, SourceLocation)
    case item(Expr, Expr, SourceLocation)
    /// Only as the key of `.item`: `a[start:stop:step]`.
    case slice(Expr?, Expr?, Expr?)
    case negate(Expr, SourceLocation)
    case plus(Expr, SourceLocation)
    case binary(BinaryOperator, Expr, Expr, SourceLocation)
    /// `a ~ b ~ c`.
    case concat([Expr])
    case and(Expr, Expr)
    case or(Expr, Expr)
    case not(Expr)
    case compare(Expr, [(op: CompareOperator, operand: Expr)], SourceLocation)
    /// `then if test else otherwise`; without `else` the result is undefined when the test fails.
    case conditional(test: Expr, then: Expr, otherwise: Expr?)
    case call(Expr, Arguments, SourceLocation)
    case filter(Expr, Application)
    case test(Expr, Application)
}

/// Where `set`, `for` and `with` store values.
indirect enum Target: Sendable {
    case name(String)
    case tuple([Target], SourceLocation)
    /// `{% set ns.attr = ... %}`.
    case namespaceAttribute(String, String, SourceLocation)
}

struct MacroDefinition: Sendable {
    var name: String
    var parameters: [(name: String, defaultValue: Expr?)]
    var body: [Node]
    /// Whether the body mentions `varargs`, `kwargs` or `caller`: as in jinja2, only then does
    /// the macro accept extra positional or keyword arguments, or a call block.
    var usesVarargs: Bool
    var usesKwargs: Bool
    var usesCaller: Bool
    var location: SourceLocation
}

struct ForLoop: Sendable {
    var target: Target
    var iterable: Expr
    var condition: Expr?
    var body: [Node]
    var otherwise: [Node]
    var recursive: Bool
    var location: SourceLocation
}

indirect enum Node: Sendable {
    case text(String)
    case output(Expr, SourceLocation)
    case ifBlock([(test: Expr, body: [Node])], otherwise: [Node])
    case forLoop(ForLoop)
    case set(Target, Expr, SourceLocation)
    case setBlock(Target, filters: [Application], body: [Node], SourceLocation)
    case macro(MacroDefinition)
    /// `{% call(params) m(args) %}body{% endcall %}`: the body becomes the macro `caller`.
    case callBlock(caller: MacroDefinition, call: Expr, SourceLocation)
    case filterBlock([Application], body: [Node])
    case with([(target: Target, value: Expr)], body: [Node])
    /// transformers' `{% generation %}`: renders its body (in its own scope, as jinja2 does).
    case scoped([Node])
    case loopBreak
    case loopContinue
}
