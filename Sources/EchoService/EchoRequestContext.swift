import Hummingbird
import Logging

/// The request context of Echo's routes: Hummingbird's core context, with no upload
/// limit of its own (each route collects its body with the configured limit).
public struct EchoRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// What the caller's token may do, set by the auth middleware (read-write when the
    /// service runs with `--no-auth`); nil on public routes called without a token.
    public var access: Access?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are collected by each route with its own limit.
    public var maxUploadSize: Int { Int.max }
}
