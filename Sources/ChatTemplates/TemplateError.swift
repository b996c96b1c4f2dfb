/// Why a chat template could not be parsed or rendered, and where.
///
/// One line, naming the construct and its position, so that a user who points rat at a model with
/// an unusual template learns exactly what is missing instead of getting a silently different
/// prompt. A template's own `raise_exception(message)` keeps its message verbatim (kind `.raised`).
public struct TemplateError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What sort of failure a ``TemplateError`` is, after jinja2's exception classes.
    public enum Kind: Sendable, Equatable {
        /// The text is not valid Jinja: a bad token, an unterminated tag or string, an unknown or
        /// unclosed statement (jinja2's TemplateSyntaxError).
        case syntax
        /// A construct this interpreter does not implement: a filter, test, method, global or
        /// statement that jinja2 has but rat lacks.
        case unsupported
        /// An undefined value used where jinja2's default `Undefined` raises (UndefinedError).
        case undefined
        /// An operation the sandbox forbids, such as `list.append` (jinja2's SecurityError).
        case security
        /// Any other failure while rendering: wrong operand types, division by zero, bad arguments.
        case runtime
        /// A guard that keeps a hostile template from hanging or exhausting memory: nesting or
        /// recursion depth, range size, total loop iterations, output size.
        case limit
        /// The template called `raise_exception(message)`.
        case raised
    }

    /// What sort of failure this is.
    public let kind: Kind
    /// For `.raised`, the template's message exactly as it passed it.
    public let message: String
    /// 1-based position in the template source; 0 when unknown.
    public let line: Int
    /// 1-based column, counted in Unicode scalars; 0 when unknown.
    public let column: Int

    /// An error of `kind` with `message`, at `line` and `column` (0 when unknown).
    public init(_ kind: Kind, _ message: String, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    /// The message with its line and column in the template (or `template raised: …` for `raise_exception`).
    public var description: String {
        if kind == .raised { return "template raised: \(message)" }
        return line > 0 ? "line \(line), column \(column): \(message)" : message
    }

    /// The same error placed at `location`, unless it already has a position.
    func located(_ location: SourceLocation) -> TemplateError {
        line > 0 ? self : TemplateError(kind, message, line: location.line, column: location.column)
    }
}

/// A position in the template source, 1-based.
struct SourceLocation: Sendable, Equatable {
    var line: Int
    var column: Int
    static let unknown = SourceLocation(line: 0, column: 0)
}
