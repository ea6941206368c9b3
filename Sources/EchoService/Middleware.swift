import Foundation
import Hummingbird
import HTTPTypes

/// Requires a bearer token on every route but the public ones (`/healthz`, the OpenAPI
/// document); changes need a read-write token. Which is which is each route's declared
/// `RouteAccess` (reads, queries and inspections, which record a run as an audit trail,
/// take read-only tokens: cameras and dashboards get those). With `tokens` nil (the
/// explicit `--no-auth`, loopback only) every caller may write.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = EchoRequestContext
    let tokens: APITokens?
    let catalog: RouteCatalog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard let tokens else {
            context.access = .readWrite
            return try await next(request, context)
        }
        let access = catalog.access(request.method, request.uri.path)
        if access == .public { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw ServiceError(.unauthorized, "missing_token", "send `Authorization: Bearer TOKEN` (tokens come from ECHO_API_TOKENS or the token file)")
        }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased(),
              let granted = tokens.access(of: String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)) else {
            throw ServiceError(.unauthorized, "invalid_token", "the bearer token is not one of this service's tokens")
        }
        if access == .write && granted < .readWrite {
            throw ServiceError(.forbidden, "read_only_token", "this token is read-only; \(request.method) \(request.uri.path) needs a read-write token")
        }
        context.access = granted
        return try await next(request, context)
    }
}

/// Turns every error into the JSON error body with a stable code (4xx for the client's
/// faults), and counts requests and their durations by route for `/metrics`.
struct ErrorAndMetricsMiddleware: RouterMiddleware {
    typealias Context = EchoRequestContext
    let metrics: ServiceMetrics
    let catalog: RouteCatalog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            var failure = ServiceError.from(error)
            // The router's 404 for a path that exists with other methods is a 405.
            let allowed = failure.code == "not_found" ? catalog.methods(for: request.uri.path) : nil
            if let allowed {
                failure = ServiceError(.methodNotAllowed, "method_not_allowed",
                                       "\(request.method) is not served on \(request.uri.path); it takes \(allowed.sorted().joined(separator: ", "))")
            }
            var errorID: String?
            if failure.status == .internalServerError {
                // The cause may hold SQL, a file path or a stack: it goes to the log under an
                // id, and the client gets the id.
                let id = ServiceError.newErrorID()
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error.id": "\(id)", "error": "\(failure.logDescription)"])
                failure = failure.concealed(id: id)
                errorID = id
            } else if failure.status.code >= 500 {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(failure.logDescription)"])
            }
            response = try failure.response(from: request, context: context)
            if let errorID { response.headers[HTTPField.Name("Echo-Error-Id")!] = errorID }
            if let allowed { response.headers[.allow] = allowed.sorted().joined(separator: ", ") }
        }
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: Int(response.status.code),
                              seconds: (ContinuousClock.now - started).seconds)
        return response
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
