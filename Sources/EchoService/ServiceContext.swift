import EchoApplication
import EchoEmbedding
import EchoExperts
import EchoStore
import Foundation
import Logging

/// What the routes work with: the use cases (over the store, the embedder and the MLLM
/// experts when configured), the metrics, and the configuration.
public struct ServiceContext: Sendable {
    /// Every use case the routes call.
    public let app: EchoApp
    public let metrics: ServiceMetrics
    public let configuration: ServiceConfiguration
    public let logger: Logger

    /// The store under the use cases (for `/metrics`' per-category gauges).
    public var store: ReferenceStore { app.store }

    public init(store: ReferenceStore, embedder: ImageEmbedder, panel: ExpertPanel?, configuration: ServiceConfiguration, logger: Logger) {
        var limits = InputLimits()
        limits.maxPixels = configuration.maxPixels
        limits.maxK = configuration.maxK
        let metrics = ServiceMetrics()
        app = EchoApp(store: store, embedder: embedder, panel: panel, limits: limits, logger: logger, metrics: metrics.factory)
        self.metrics = metrics
        self.configuration = configuration
        self.logger = logger
    }
}
