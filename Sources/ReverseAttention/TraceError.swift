/// An invalid input to tracing: a bad parameter, a malformed matrix or file. The message says
/// what was wrong and, where it helps, what would be accepted.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
