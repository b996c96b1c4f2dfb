import Hummingbird
import NIOCore

/// Every error leaves as `{"error": "…"}` with its status: an unknown path is 404, a known path
/// with the wrong method 405 (with `Allow`), a body over `--max-body` 413, anything unexpected 500.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBody: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return failure(error)
        } catch is NIOTooManyBytesError {
            return failure(APIError(.contentTooLarge, "the body is larger than \(maxBody) bytes (--max-body)"))
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            if let methods = TraceServer.endpoints[path] {
                var response = failure(APIError(.methodNotAllowed, "\(path) takes \(methods.map(\.rawValue).joined(separator: ", ")), not \(request.method.rawValue)"))
                response.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
                return response
            }
            return failure(APIError(.notFound, "no such endpoint: \(path)"))
        } catch let error as any HTTPResponseError {
            return failure(APIError(error.status, "\(error)"))
        } catch {
            return failure(APIError(.internalServerError, "\(error)"))
        }
    }
}
