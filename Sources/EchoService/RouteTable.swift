import EchoApplication
import Hummingbird

/// Who may call a route.
enum RouteAccess: Sendable, Equatable {
    /// No token needed (`/healthz`, the OpenAPI document).
    case `public`
    /// Any token, read-only included: reads, queries, inspections.
    case read
    /// A read-write token: changes to references, categories and knowledge.
    case write
}

/// One served operation: its method, path (Hummingbird syntax, `:name` parameters), who
/// may call it, and the use-case error codes it can answer with. The router, the auth
/// middleware, the 405 answers and the OpenAPI document all read this one table.
struct Operation: Sendable {
    let method: HTTPRequest.Method
    let path: String
    let access: RouteAccess
    let errors: [EchoError.Code]

    /// The path in OpenAPI's syntax (`{name}`).
    var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}

/// The routes as `Operation`s with their handlers, collected first so that the
/// middleware can be built from the operations before the handlers go on the router.
struct RouteTable {
    typealias Handler = @Sendable (Request, EchoRequestContext) async throws -> Response
    private(set) var operations: [Operation] = []
    private var handlers: [Handler] = []

    /// Adds `handler` for `method` on `path`, callable with `access`, answering with
    /// `errors` (besides the HTTP layer's own: auth, bodies, timeouts). A route that can
    /// fail in the store can also find the store's disk full (`disk_full`).
    mutating func add(_ method: HTTPRequest.Method, _ path: String, access: RouteAccess = .read, errors: [EchoError.Code] = [],
                      _ handler: @escaping Handler) {
        let errors = errors.contains(.storeFailed) && !errors.contains(.diskFull) ? errors + [.diskFull] : errors
        operations.append(Operation(method: method, path: path, access: access, errors: errors))
        handlers.append(handler)
    }

    /// Puts every handler on `router` (after its middleware).
    func install(on router: Router<EchoRequestContext>) {
        for (operation, handler) in zip(operations, handlers) {
            router.on(RouterPath(operation.path), method: operation.method, use: handler)
        }
    }

    /// The routes as "METHOD /path" in OpenAPI syntax.
    var openAPINames: Set<String> { Set(operations.map { "\($0.method.rawValue) \($0.openAPIPath)" }) }
}

/// The served operations by path, for the middleware (which runs before routing): the
/// methods a path takes (405 with `Allow` instead of 404) and the access a request needs.
/// Filled once the routes are registered, read-only afterwards.
final class RouteCatalog: Sendable {
    private let patterns: [(segments: [Substring], operations: [Operation])]

    init(_ operations: [Operation]) {
        patterns = Dictionary(grouping: operations, by: \.path).map { (Array($0.key.split(separator: "/")), $0.value) }
    }

    private func operations(matching path: String) -> [Operation] {
        let segments = path.split(separator: "/")
        return patterns.filter { pattern in
            pattern.segments.count == segments.count
                && zip(pattern.segments, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.flatMap(\.operations)
    }

    /// The methods served on `path`, or nil when no route has that path.
    func methods(for path: String) -> Set<String>? {
        let found = operations(matching: path).map(\.method.rawValue)
        return found.isEmpty ? nil : Set(found)
    }

    /// The access `method` on `path` needs; `.read` for what no route serves (the router
    /// answers 404 or 405 after authentication).
    func access(_ method: HTTPRequest.Method, _ path: String) -> RouteAccess {
        let candidates = operations(matching: path).filter { $0.method == method || (method == .head && $0.method == .get) }
        // A literal segment beats a parameter: prefer the operation with the most literal segments.
        let best = candidates.max { literalCount($0.path) < literalCount($1.path) }
        return best?.access ?? .read
    }

    private func literalCount(_ path: String) -> Int { path.split(separator: "/").filter { !$0.hasPrefix(":") }.count }
}
