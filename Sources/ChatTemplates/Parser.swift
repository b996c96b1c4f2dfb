/// Builds the AST from tokens with jinja2's grammar and operator precedence, loosest first:
/// conditional `x if c else y`, `or`, `and`, `not`, comparisons and `in` (chained), `+ -`, `~`,
/// `* / // %`, `**` (left-associative, as in jinja2), unary `- +`, then postfix `.a [i] (args)`
/// and filters/tests, which bind to the unary operand (`-1|abs` is `abs(-1)`).
struct Parser {
    private typealias Token = Lexer.Token

    private let tokens: [Token]
    private var i = 0
    /// Open statements, innermost last, for "unclosed" and nesting-mistake messages.
    private var openBlocks: [(name: String, expected: [String], location: SourceLocation)] = []
    private var loopDepth = 0
    private var expressionDepth = 0

    static let maxExpressionDepth = 100
    static let maxStatementDepth = 100

    static func parse(_ source: String) throws(TemplateError) -> [Node] {
        var parser = Parser(tokens: try Lexer.tokenize(source))
        let body = try parser.subparse(endTags: [])
        return body
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    // MARK: - Token helpers

    private var current: Token { tokens[i] }
    private var peekToken: Token { tokens[min(i + 1, tokens.count - 1)] }

    private mutating func advance() { if i < tokens.count - 1 { i += 1 } }

    private func isOp(_ op: String) -> Bool { current.kind == .op(op) }
    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        advance()
        return true
    }

    private mutating func skipName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    private func fail(_ message: String, _ location: SourceLocation? = nil) -> TemplateError {
        let l = location ?? current.location
        return TemplateError(.syntax, message, line: l.line, column: l.column)
    }

    private func describe(_ token: Token) -> String {
        switch token.kind {
        case .data: return "template text"
        case .variableBegin: return "'{{'"
        case .variableEnd: return "end of print statement '}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "end of statement block '%}'"
        case .name(let n): return "'\(n)'"
        case .string(let s): return "string \(pythonRepr(s))"
        case .integer(let v): return "integer \(v)"
        case .float(let v): return "float \(pythonFloatRepr(v))"
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    private mutating func expectOp(_ op: String) throws(TemplateError) {
        guard skipOp(op) else { throw fail("expected '\(op)', got \(describe(current))") }
    }

    private mutating func expectName() throws(TemplateError) -> String {
        guard case .name(let n) = current.kind else { throw fail("expected a name, got \(describe(current))") }
        advance()
        return n
    }

    private mutating func expectBlockEnd() throws(TemplateError) {
        guard current.kind == .blockEnd else {
            if current.kind == .eof { throw fail("unterminated '{%' tag: expected '%}'") }
            throw fail("expected end of statement block '%}', got \(describe(current))")
        }
        advance()
    }

    // MARK: - Statements

    /// Parses nodes until a block tag whose name is one of `endTags` (left as the current token).
    private mutating func subparse(endTags: [String]) throws(TemplateError) -> [Node] {
        var body: [Node] = []
        while true {
            let token = current
            switch token.kind {
            case .data(let text):
                body.append(.text(text))
                advance()
            case .variableBegin:
                advance()
                let expr = try parseTuple()
                guard current.kind == .variableEnd else {
                    if current.kind == .eof { throw fail("unterminated '{{' tag: expected '}}'", token.location) }
                    throw fail("expected end of print statement '}}', got \(describe(current))")
                }
                advance()
                body.append(.output(expr, token.location))
            case .blockBegin:
                advance()
                if case .name(let n) = current.kind, endTags.contains(n) { return body }
                body.append(contentsOf: try parseStatement())
                try expectBlockEnd()
            case .eof:
                if let open = openBlocks.last {
                    let expected = open.expected.map { "'\($0)'" }.joined(separator: " or ")
                    throw fail("unclosed '\(open.name)' statement: expected \(expected) before the end of the template",
                               open.location)
                }
                return body
            default:
                throw fail("unexpected \(describe(token))")
            }
        }
    }

    /// The body of a statement, up to one of `endTags`; the end tag name is consumed and returned.
    private mutating func parseBody(_ statement: String, until endTags: [String], openedAt: SourceLocation)
        throws(TemplateError) -> (body: [Node], end: String)
    {
        _ = skipOp(":")
        try expectBlockEnd()
        guard openBlocks.count < Self.maxStatementDepth else {
            throw TemplateError(.limit, "statements nested more than \(Self.maxStatementDepth) levels deep",
                                line: openedAt.line, column: openedAt.column)
        }
        openBlocks.append((statement, endTags, openedAt))
        let body = try subparse(endTags: endTags)
        openBlocks.removeLast()
        guard case .name(let end) = current.kind else { throw fail("expected an end tag") }
        advance()
        return (body, end)
    }

    private mutating func parseStatement() throws(TemplateError) -> [Node] {
        let token = current
        guard case .name(let name) = token.kind else { throw fail("expected a statement name, got \(describe(token))") }
        let location = token.location
        switch name {
        case "if": advance(); return [try parseIf(location)]
        case "for": advance(); return [try parseFor(location)]
        case "set": advance(); return [try parseSet(location)]
        case "macro": advance(); return [try parseMacro(location)]
        case "call": advance(); return [try parseCallBlock(location)]
        case "filter": advance(); return [try parseFilterBlock(location)]
        case "with": advance(); return [try parseWith(location)]
        case "print":
            advance()
            var nodes: [Node] = []
            while current.kind != .blockEnd {
                if !nodes.isEmpty { try expectOp(",") }
                let l = current.location
                nodes.append(.output(try parseExpression(), l))
            }
            return nodes
        case "generation":
            advance()
            return [.scoped(try parseBody("generation", until: ["endgeneration"], openedAt: location).body)]
        case "break", "continue":
            advance()
            guard loopDepth > 0 else { throw fail("'\(name)' outside a loop", location) }
            return [name == "break" ? .loopBreak : .loopContinue]
        case "block", "extends", "include", "import", "from", "autoescape", "trans":
            throw TemplateError(.unsupported, "unsupported statement '\(name)'", line: location.line, column: location.column)
        default:
            let closing = ["elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endwith",
                           "endraw", "endgeneration", "endblock", "endautoescape", "endtrans"].contains(name)
            if closing, let innermost = openBlocks.last {
                let expected = innermost.expected.map { "'\($0)'" }.joined(separator: " or ")
                throw fail("unexpected '\(name)': the innermost open statement is '\(innermost.name)', which expects \(expected)",
                           location)
            }
            if closing { throw fail("unexpected '\(name)' without an open statement it could close", location) }
            throw TemplateError(.syntax, "unknown statement '\(name)'", line: location.line, column: location.column)
        }
    }

    private mutating func parseIf(_ location: SourceLocation) throws(TemplateError) -> Node {
        var branches: [(test: Expr, body: [Node])] = []
        var otherwise: [Node] = []
        var test = try parseTuple(withCondition: false)
        while true {
            let (body, end) = try parseBody("if", until: ["elif", "else", "endif"], openedAt: location)
            branches.append((test, body))
            if end == "elif" {
                test = try parseTuple(withCondition: false)
                continue
            }
            if end == "else" {
                otherwise = try parseBody("if", until: ["endif"], openedAt: location).body
            }
            return .ifBlock(branches, otherwise: otherwise)
        }
    }

    private mutating func parseFor(_ location: SourceLocation) throws(TemplateError) -> Node {
        let target = try parseAssignTarget(endNames: ["in"], withNamespace: false)
        if case .name("loop") = target { throw fail("can't assign to the special loop variable 'loop'", location) }
        guard skipName("in") else { throw fail("expected 'in', got \(describe(current))") }
        let iterable = try parseTuple(withCondition: false, endNames: ["recursive"])
        var condition: Expr?
        if skipName("if") { condition = try parseExpression() }
        let recursive = skipName("recursive")
        loopDepth += 1
        let (body, end) = try parseBody("for", until: ["endfor", "else"], openedAt: location)
        loopDepth -= 1
        var otherwise: [Node] = []
        if end == "else" { otherwise = try parseBody("for", until: ["endfor"], openedAt: location).body }
        return .forLoop(ForLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise,
                                recursive: recursive, location: location))
    }

    private mutating func parseSet(_ location: SourceLocation) throws(TemplateError) -> Node {
        let target = try parseAssignTarget(endNames: [], withNamespace: true)
        if loopDepth > 0, case .name("loop") = target { throw fail("can't assign to the special loop variable 'loop'", location) }
        if skipOp("=") { return .set(target, try parseTuple(), location) }
        var filters: [Application] = []
        while isOp("|") {
            advance()
            filters.append(try parseApplication())
        }
        let body = try parseBody("set", until: ["endset"], openedAt: location).body
        return .setBlock(target, filters: filters, body: body, location)
    }

    private mutating func parseSignature() throws(TemplateError) -> [(name: String, defaultValue: Expr?)] {
        var parameters: [(name: String, defaultValue: Expr?)] = []
        try expectOp("(")
        while !isOp(")") {
            if !parameters.isEmpty { try expectOp(",") }
            let l = current.location
            let name = try expectName()
            if skipOp("=") {
                parameters.append((name, try parseExpression()))
            } else {
                if parameters.contains(where: { $0.defaultValue != nil }) {
                    throw fail("non-default argument follows default argument", l)
                }
                parameters.append((name, nil))
            }
        }
        advance()
        return parameters
    }

    private mutating func parseMacro(_ location: SourceLocation) throws(TemplateError) -> Node {
        let name = try expectName()
        let parameters = try parseSignature()
        let savedLoops = loopDepth
        loopDepth = 0
        let body = try parseBody("macro", until: ["endmacro"], openedAt: location).body
        loopDepth = savedLoops
        return .macro(Self.macro(name, parameters, body, location))
    }

    private static func macro(_ name: String, _ parameters: [(name: String, defaultValue: Expr?)], _ body: [Node],
                              _ location: SourceLocation) -> MacroDefinition
    {
        var names = Set<String>()
        NameCollector.collect(body, into: &names)
        for p in parameters { if let d = p.defaultValue { NameCollector.collect(d, into: &names) } }
        let declared = Set(parameters.map(\.name))
        return MacroDefinition(name: name, parameters: parameters, body: body,
                               usesVarargs: names.contains("varargs") && !declared.contains("varargs"),
                               usesKwargs: names.contains("kwargs") && !declared.contains("kwargs"),
                               usesCaller: names.contains("caller") && !declared.contains("caller"), location: location)
    }

    private mutating func parseCallBlock(_ location: SourceLocation) throws(TemplateError) -> Node {
        let parameters = isOp("(") ? try parseSignature() : []
        let call = try parseExpression()
        guard case .call = call else { throw fail("expected a macro call after 'call'", location) }
        let savedLoops = loopDepth
        loopDepth = 0
        let body = try parseBody("call", until: ["endcall"], openedAt: location).body
        loopDepth = savedLoops
        return .callBlock(caller: Self.macro("caller", parameters, body, location), call: call, location)
    }

    private mutating func parseFilterBlock(_ location: SourceLocation) throws(TemplateError) -> Node {
        var filters = [try parseApplication()]
        while skipOp("|") { filters.append(try parseApplication()) }
        let body = try parseBody("filter", until: ["endfilter"], openedAt: location).body
        return .filterBlock(filters, body: body)
    }

    private mutating func parseWith(_ location: SourceLocation) throws(TemplateError) -> Node {
        var assignments: [(target: Target, value: Expr)] = []
        while current.kind != .blockEnd {
            if !assignments.isEmpty { try expectOp(",") }
            let target = try parseAssignTarget(endNames: [], withNamespace: false)
            try expectOp("=")
            assignments.append((target, try parseExpression()))
        }
        let body = try parseBody("with", until: ["endwith"], openedAt: location).body
        return .with(assignments, body: body)
    }

    /// `name`, `a, b`, `(a, b)` or, for `set`, `ns.attr`.
    private mutating func parseAssignTarget(endNames: [String], withNamespace: Bool) throws(TemplateError) -> Target {
        let location = current.location
        var targets: [Target] = []
        var isTuple = false
        while true {
            if !targets.isEmpty { try expectOp(",") }
            if current.kind == .blockEnd || isOp(")") || isOp("=") || endNames.contains(where: isName) { break }
            targets.append(try parseTargetPrimary(withNamespace: withNamespace))
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            guard let only = targets.first else { throw fail("expected an assignment target, got \(describe(current))") }
            return only
        }
        return .tuple(targets, location)
    }

    private mutating func parseTargetPrimary(withNamespace: Bool) throws(TemplateError) -> Target {
        let location = current.location
        switch current.kind {
        case .name(let n):
            if ["true", "false", "True", "False", "none", "None"].contains(n) { throw fail("can't assign to '\(n)'") }
            advance()
            if withNamespace, isOp(".") {
                advance()
                return .namespaceAttribute(n, try expectName(), location)
            }
            return .name(n)
        case .op("("):
            advance()
            var targets: [Target] = []
            while !isOp(")") {
                if !targets.isEmpty { try expectOp(",") }
                if isOp(")") { break }
                targets.append(try parseTargetPrimary(withNamespace: false))
            }
            advance()
            return targets.count == 1 ? targets[0] : .tuple(targets, location)
        default:
            throw fail("can't assign to \(describe(current))")
        }
    }

    // MARK: - Expressions

    private mutating func parseTuple(withCondition: Bool = true, endNames: [String] = [], explicitParentheses: Bool = false)
        throws(TemplateError) -> Expr
    {
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if current.kind == .variableEnd || current.kind == .blockEnd || isOp(")") || endNames.contains(where: isName) {
                break
            }
            items.append(withCondition ? try parseExpression() : try parseOr())
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = items.first { return only }
            if !explicitParentheses { throw fail("expected an expression, got \(describe(current))") }
        }
        return .tuple(items)
    }

    private mutating func parseExpression() throws(TemplateError) -> Expr {
        expressionDepth += 1
        defer { expressionDepth -= 1 }
        guard expressionDepth <= Self.maxExpressionDepth else {
            throw TemplateError(.limit, "expression nested more than \(Self.maxExpressionDepth) levels deep",
                                line: current.location.line, column: current.location.column)
        }
        var expr = try parseOr()
        while skipName("if") {
            let test = try parseOr()
            let otherwise = skipName("else") ? try parseExpression() : nil
            expr = .conditional(test: test, then: expr, otherwise: otherwise)
        }
        return expr
    }

    private mutating func parseOr() throws(TemplateError) -> Expr {
        var left = try parseAnd()
        while skipName("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(TemplateError) -> Expr {
        var left = try parseNot()
        while skipName("and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws(TemplateError) -> Expr {
        if isName("not") {
            advance()
            return .not(try nested { (p: inout Parser) throws(TemplateError) in try p.parseNot() })
        }
        return try parseCompare()
    }

    /// Guards recursion that does not pass through `parseExpression` (`not not ...`, `- - x`).
    private mutating func nested(_ body: (inout Parser) throws(TemplateError) -> Expr) throws(TemplateError) -> Expr {
        expressionDepth += 1
        defer { expressionDepth -= 1 }
        guard expressionDepth <= Self.maxExpressionDepth else {
            throw TemplateError(.limit, "expression nested more than \(Self.maxExpressionDepth) levels deep",
                                line: current.location.line, column: current.location.column)
        }
        return try body(&self)
    }

    private mutating func parseCompare() throws(TemplateError) -> Expr {
        let location = current.location
        let first = try parseMath1()
        var ops: [(op: CompareOperator, operand: Expr)] = []
        while true {
            if case .op(let o) = current.kind, let op = CompareOperator(rawValue: o), op != .contains {
                advance()
                ops.append((op, try parseMath1()))
            } else if skipName("in") {
                ops.append((.contains, try parseMath1()))
            } else if isName("not"), peekToken.kind == .name("in") {
                advance()
                advance()
                ops.append((.notContains, try parseMath1()))
            } else {
                break
            }
        }
        return ops.isEmpty ? first : .compare(first, ops, location)
    }

    private mutating func parseMath1() throws(TemplateError) -> Expr {
        var left = try parseConcat()
        while case .op(let o) = current.kind, o == "+" || o == "-" {
            let location = current.location
            advance()
            left = .binary(o == "+" ? .add : .subtract, left, try parseConcat(), location)
        }
        return left
    }

    private mutating func parseConcat() throws(TemplateError) -> Expr {
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : .concat(items)
    }

    private mutating func parseMath2() throws(TemplateError) -> Expr {
        var left = try parsePow()
        while case .op(let o) = current.kind, ["*", "/", "//", "%"].contains(o) {
            let location = current.location
            advance()
            left = .binary(BinaryOperator(rawValue: o)!, left, try parsePow(), location)
        }
        return left
    }

    private mutating func parsePow() throws(TemplateError) -> Expr {
        var left = try parseUnary(withFilter: true)
        while isOp("**") {
            let location = current.location
            advance()
            left = .binary(.power, left, try parseUnary(withFilter: true), location)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws(TemplateError) -> Expr {
        let location = current.location
        var node: Expr
        if isOp("-") {
            advance()
            node = .negate(try nested { (p: inout Parser) throws(TemplateError) in try p.parseUnary(withFilter: false) }, location)
        } else if isOp("+") {
            advance()
            node = .plus(try nested { (p: inout Parser) throws(TemplateError) in try p.parseUnary(withFilter: false) }, location)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    private mutating func parsePrimary() throws(TemplateError) -> Expr {
        let token = current
        switch token.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(n, token.location)
            }
        case .string(let s):
            advance()
            var text = s
            while case .string(let more) = current.kind {
                text += more
                advance()
            }
            return .literal(.string(text))
        case .integer(let v):
            advance()
            return .literal(.int(v))
        case .float(let v):
            advance()
            return .literal(.double(v))
        case .op("("):
            advance()
            let inner = try nested { (p: inout Parser) throws(TemplateError) in try p.parseTuple(explicitParentheses: true) }
            try expectOp(")")
            return inner
        case .op("["):
            advance()
            var items: [Expr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            advance()
            return .list(items)
        case .op("{"):
            advance()
            var pairs: [(key: Expr, value: Expr)] = []
            while !isOp("}") {
                if !pairs.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            advance()
            return .dict(pairs, token.location)
        case .eof:
            throw fail("unexpected end of template inside an expression")
        default:
            throw fail("unexpected \(describe(token))")
        }
    }

    private mutating func parsePostfix(_ start: Expr) throws(TemplateError) -> Expr {
        var node = start
        while true {
            let location = current.location
            if isOp(".") {
                advance()
                let nameLocation = current.location
                switch current.kind {
                case .name(let n):
                    advance()
                    node = .attribute(node, n, nameLocation)
                case .integer(let v):
                    advance()
                    node = .item(node, .literal(.int(v)), location)
                default:
                    throw fail("expected an attribute name or number after '.', got \(describe(current))")
                }
            } else if isOp("[") {
                advance()
                var keys: [Expr] = []
                while !isOp("]") {
                    if !keys.isEmpty { try expectOp(",") }
                    keys.append(try parseSubscript())
                }
                advance()
                node = .item(node, keys.count == 1 ? keys[0] : .tuple(keys), location)
            } else if isOp("(") {
                node = .call(node, try parseArguments(), location)
            } else {
                return node
            }
        }
    }

    private mutating func parseSubscript() throws(TemplateError) -> Expr {
        var parts: [Expr?] = []
        if isOp(":") {
            advance()
            parts = [nil]
        } else {
            let first = try parseExpression()
            guard isOp(":") else { return first }
            advance()
            parts = [first]
        }
        if isOp(":") || isOp("]") || isOp(",") {
            parts.append(nil)
        } else {
            parts.append(try parseExpression())
        }
        if skipOp(":") {
            parts.append(isOp("]") || isOp(",") ? nil : try parseExpression())
        } else {
            parts.append(nil)
        }
        return .slice(parts[0], parts[1], parts[2])
    }

    private mutating func parseArguments() throws(TemplateError) -> Arguments {
        let location = current.location
        try expectOp("(")
        var args = Arguments()
        var needComma = false
        while !isOp(")") {
            if needComma {
                try expectOp(",")
                if isOp(")") { break }
            }
            if isOp("*") {
                advance()
                guard args.star == nil, args.doubleStar == nil else { throw fail("invalid call arguments", location) }
                args.star = try parseExpression()
            } else if isOp("**") {
                advance()
                guard args.doubleStar == nil else { throw fail("invalid call arguments", location) }
                args.doubleStar = try parseExpression()
            } else if case .name(let n) = current.kind, peekToken.kind == .op("=") {
                guard args.doubleStar == nil else { throw fail("invalid call arguments", location) }
                advance()
                advance()
                args.keywords.append((n, try parseExpression()))
            } else {
                guard args.star == nil, args.doubleStar == nil, args.keywords.isEmpty else {
                    throw fail("positional argument follows keyword argument", current.location)
                }
                args.positional.append(try parseExpression())
            }
            needComma = true
        }
        advance()
        return args
    }

    private mutating func parseFilterExpression(_ start: Expr) throws(TemplateError) -> Expr {
        var node = start
        while true {
            if isOp("|") {
                advance()
                node = .filter(node, try parseApplication())
            } else if isName("is") {
                node = try parseTest(node)
            } else if isOp("(") {
                let location = current.location
                node = .call(node, try parseArguments(), location)
            } else {
                return node
            }
        }
    }

    /// A filter name (possibly dotted) and its optional arguments.
    private mutating func parseApplication() throws(TemplateError) -> Application {
        let location = current.location
        var name = try expectName()
        while isOp(".") {
            advance()
            name += "." + (try expectName())
        }
        let args = isOp("(") ? try parseArguments() : Arguments()
        return Application(name: name, arguments: args, location: location)
    }

    private mutating func parseTest(_ subject: Expr) throws(TemplateError) -> Expr {
        advance()  // is
        let negated = skipName("not")
        let location = current.location
        var name = try expectName()
        while isOp(".") {
            advance()
            name += "." + (try expectName())
        }
        var args = Arguments()
        if isOp("(") {
            args = try parseArguments()
        } else {
            let startsArgument: Bool
            switch current.kind {
            case .name(let n): startsArgument = !["else", "or", "and"].contains(n)
            case .string, .integer, .float: startsArgument = true
            case .op(let o): startsArgument = o == "(" || o == "[" || o == "{"
            default: startsArgument = false
            }
            if startsArgument {
                if isName("is") { throw fail("tests cannot be chained with 'is'") }
                args.positional = [try parsePostfix(try parsePrimary())]
            }
        }
        let test = Expr.test(subject, Application(name: name, arguments: args, location: location))
        return negated ? .not(test) : test
    }
}

/// The variable names an AST mentions, to tell whether a macro uses `varargs`, `kwargs` or `caller`.
enum NameCollector {
    static func collect(_ nodes: [Node], into names: inout Set<String>) {
        for n in nodes { collect(n, into: &names) }
    }

    static func collect(_ node: Node, into names: inout Set<String>) {
        switch node {
        case .text, .loopBreak, .loopContinue: break
        case .output(let e, _): collect(e, into: &names)
        case .ifBlock(let branches, let otherwise):
            for b in branches {
                collect(b.test, into: &names)
                collect(b.body, into: &names)
            }
            collect(otherwise, into: &names)
        case .forLoop(let f):
            collect(f.iterable, into: &names)
            if let c = f.condition { collect(c, into: &names) }
            collect(f.body, into: &names)
            collect(f.otherwise, into: &names)
        case .set(_, let e, _): collect(e, into: &names)
        case .setBlock(_, let filters, let body, _):
            for f in filters { collect(f.arguments, into: &names) }
            collect(body, into: &names)
        case .macro: break  // a nested macro's names are its own
        case .callBlock(let caller, let call, _):
            collect(call, into: &names)
            for p in caller.parameters { if let d = p.defaultValue { collect(d, into: &names) } }
            collect(caller.body, into: &names)
        case .filterBlock(let filters, let body):
            for f in filters { collect(f.arguments, into: &names) }
            collect(body, into: &names)
        case .with(let assignments, let body):
            for a in assignments { collect(a.value, into: &names) }
            collect(body, into: &names)
        case .scoped(let body): collect(body, into: &names)
        }
    }

    static func collect(_ args: Arguments, into names: inout Set<String>) {
        for a in args.positional { collect(a, into: &names) }
        for k in args.keywords { collect(k.value, into: &names) }
        if let s = args.star { collect(s, into: &names) }
        if let s = args.doubleStar { collect(s, into: &names) }
    }

    static func collect(_ expr: Expr, into names: inout Set<String>) {
        switch expr {
        case .literal: break
        case .name(let n, _): names.insert(n)
        case .list(let items), .tuple(let items), .concat(let items):
            for e in items { collect(e, into: &names) }
        case .dict(let pairs, _):
            for p in pairs {
                collect(p.key, into: &names)
                collect(p.value, into: &names)
            }
        case .attribute(let e, _, _), .negate(let e, _), .plus(let e, _), .not(let e): collect(e, into: &names)
        case .item(let a, let b, _), .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b):
            collect(a, into: &names)
            collect(b, into: &names)
        case .slice(let a, let b, let c):
            for e in [a, b, c] { if let e { collect(e, into: &names) } }
        case .compare(let first, let ops, _):
            collect(first, into: &names)
            for o in ops { collect(o.operand, into: &names) }
        case .conditional(let test, let then, let otherwise):
            collect(test, into: &names)
            collect(then, into: &names)
            if let otherwise { collect(otherwise, into: &names) }
        case .call(let callee, let args, _):
            collect(callee, into: &names)
            collect(args, into: &names)
        case .filter(let e, let app), .test(let e, let app):
            collect(e, into: &names)
            collect(app.arguments, into: &names)
        }
    }
}
