import Foundation
import HTTPTypes
import ReverseAttention

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

