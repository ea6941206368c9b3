import Hummingbird

/// Registers routes on a router and remembers them, so a test can check the OpenAPI
/// document lists exactly the routes served.
struct RouteTable {
    private(set) var routes: [(method: HTTPRequest.Method, path: String)] = []
    let router: Router<EchoRequestContext>

    /// Registers `handler` for `method` on `path` (Hummingbird syntax, `:name` parameters).
    mutating func add(_ method: HTTPRequest.Method, _ path: String,
                      _ handler: @escaping @Sendable (Request, EchoRequestContext) async throws -> Response) {
        routes.append((method, path))
        router.on(RouterPath(path), method: method, use: handler)
    }

    /// The routes in OpenAPI's path syntax (`{name}`), as "METHOD /path".
    var openAPINames: Set<String> {
        Set(routes.map { route in
            let path = route.path.split(separator: "/", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(route.method.rawValue) \(path)"
        })
    }
}

/// The served paths and their methods, for answering 405 (with `Allow`) instead of 404
/// when a path exists but not for the method asked. Filled once the routes are registered.
final class RouteMethods: @unchecked Sendable {
    private var patterns: [(segments: [Substring], methods: Set<String>)] = []

    func fill(from table: RouteTable) {
        var byPath: [String: Set<String>] = [:]
        for route in table.routes { byPath[route.path, default: []].insert(route.method.rawValue) }
        patterns = byPath.map { (Array($0.key.split(separator: "/")), $0.value) }
    }

    /// The methods served on `path`, or nil when no route has that path.
    func methods(for path: String) -> Set<String>? {
        let segments = path.split(separator: "/")
        let found = patterns.filter { pattern in
            pattern.segments.count == segments.count
                && zip(pattern.segments, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.flatMap(\.methods)
        return found.isEmpty ? nil : Set(found)
    }
}
