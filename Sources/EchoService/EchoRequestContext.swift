import Hummingbird
import Logging

/// The request context of Echo's routes: Hummingbird's core context, with no upload
/// limit of its own (each route collects its body with the configured limit).
public struct EchoRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// Bodies are collected by each route with its own limit.
    public var maxUploadSize: Int { Int.max }
}
