import Foundation
import HTTPTypes

/// A request the server refuses: a status and a message for `{"error": "…"}`.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }

    /// `{"error": "…"}`.
    var body: String { #"{"error":"# + jsonString(message) + "}" }
}

/// A JSON string literal for `text`.
func jsonString(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(text)) ?? Data(#""""#.utf8), as: UTF8.self)
}
