import ChatTemplates
import Foundation

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks: `system`, `user`, `assistant`, or another role the template knows.
    public var role: String
    /// The message's text.
    public var content: String

    /// A message of `role` saying `content`.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A conversation for a chat template: a JSON list of `{"role", "content"}` objects. Other keys a
/// template may read (`tool_calls`, `reasoning_content`, a list `content`...) are kept as written,
/// in their order.
public struct Conversation: Sendable {
    let messages: TemplateValue
    /// How many messages there are.
    public let count: Int

    /// A conversation of plain role/content messages, in order.
    public init(_ messages: [ChatMessage]) {
        self.messages = .array(messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })
        count = messages.count
    }

    /// Reads a messages file; anything but a non-empty list of objects with a string `role` and a
    /// string, list or null `content` is refused in one line naming the file and the message.
    public init(contentsOf url: URL) throws(ChatError) {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ChatError("\(url.path): cannot read the messages file (\(error.localizedDescription))")
        }
        try self.init(json: data, origin: url.path)
    }

    /// Reads messages from JSON data, checked as ``init(contentsOf:)`` checks a file; `origin` names
    /// the data in errors.
    ///
    /// - Throws: ``ChatError`` when the data is not JSON or not a non-empty list of messages.
    public init(json: Data, origin: String) throws(ChatError) {
        let value: TemplateValue
        do {
            value = try TemplateValue(jsonData: json)
        } catch {
            throw ChatError("\(origin): not valid JSON (\(error.message))")
        }
        guard case .array(let items) = value else {
            throw ChatError("\(origin): the messages must be a JSON list of {\"role\", \"content\"} objects")
        }
        guard !items.isEmpty else { throw ChatError("\(origin): the list of messages is empty") }
        for (k, item) in items.enumerated() {
            guard case .object = item else {
                throw ChatError("\(origin): message \(k) is not an object with \"role\" and \"content\"")
            }
            guard case .string = item["role"] ?? .undefined else {
                throw ChatError("\(origin): message \(k) has no string \"role\"")
            }
            switch item["content"] ?? .undefined {
            case .string, .array, .none: break
            case .undefined: throw ChatError("\(origin): message \(k) has no \"content\"")
            default: throw ChatError("\(origin): message \(k) has a \"content\" that is not a string, a list or null")
            }
        }
        messages = value
        count = items.count
    }
}

/// A conversation or chat template that cannot be used: one line, naming where the problem is
/// (the messages file, or the template's origin and line).
public struct ChatError: Error, CustomStringConvertible, Sendable {
    /// The whole one-line message.
    public let description: String
    /// An error whose message is `description`.
    public init(_ description: String) { self.description = description }
}
