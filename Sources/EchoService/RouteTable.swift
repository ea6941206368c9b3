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
