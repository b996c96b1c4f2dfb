/// An invalid input to tracing: a bad parameter, a malformed matrix or file. The message says
/// what was wrong and, where it helps, what would be accepted.
public struct TraceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What was wrong, in a sentence for the user.
    public let message: String
    /// An error that tells the user `message`.
    public init(_ message: String) { self.message = message }
    /// The message, as printed after `Error:`.
    public var description: String { message }
}
