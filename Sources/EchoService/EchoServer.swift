import Foundation
import Hummingbird
import Logging

/// Builds the service: the router (shared with tests, which drive it without sockets) and
/// the application around it.
public enum EchoServer {
    /// The router with every route and middleware, and the list of routes it serves
    /// ("METHOD /path" in OpenAPI syntax).
    public static func buildRouter(_ service: ServiceContext) -> (router: Router<EchoRequestContext>, routes: Set<String>) {
        var table = RouteTable()
        Routes.register(on: &table, context: service)
        Routes.registerDocument(on: &table)
        let catalog = RouteCatalog(table.operations)
        let router = Router(context: EchoRequestContext.self)
        router.add(middleware: ErrorAndMetricsMiddleware(metrics: service.metrics, catalog: catalog))
        router.add(middleware: AuthMiddleware(tokens: service.configuration.tokens, catalog: catalog))
        table.install(on: router)
        return (router, table.openAPINames)
    }

    /// The application listening on the configured host and port. `onServerRunning`
    /// receives the bound port (useful with port 0).
    /// - Throws: `ServiceError` for a configuration that must not run (no tokens without
    ///   `--no-auth`, `--no-auth` off loopback).
    public static func buildApplication(_ service: ServiceContext, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        throws -> some ApplicationProtocol {
        try service.configuration.validate()
        let router = buildRouter(service).router
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(service.configuration.host, port: service.configuration.port), serverName: "echo"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? service.configuration.port) },
            logger: service.logger)
    }
}
