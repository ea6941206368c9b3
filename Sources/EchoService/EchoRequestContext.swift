import Hummingbird
import Logging

/// The request context of Echo's routes: the caller's access, set by `AuthMiddleware`.
public struct EchoRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// What the caller may do (nil before authentication).
    public var access: Access?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are collected by each route with its own limit.
    public var maxUploadSize: Int { Int.max }
}
