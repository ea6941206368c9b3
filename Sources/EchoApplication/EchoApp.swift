import CoreMetrics
import EchoEmbedding
import EchoExperts
import EchoStore
import EchoVision
import Logging

/// Echo's use cases, in one place for every adapter: `echoctl` and the HTTP service parse
/// their input, call one of these, and render the answer or map the `EchoError` code to an
/// exit code or a status. Each method checks its input by the one set of rules (category
/// names, metadata, index descriptions, k and page limits, the pixel limit) before any
/// work, and throws only `EchoError`, with the library error kept as its cause.
public struct EchoApp: Sendable {
    /// The source of truth.
    public let store: ReferenceStore
    /// The backbone; nil for adapters that only read metadata (use cases that embed say
    /// `weights_unusable` without it).
    public let embedder: ImageEmbedder?
    /// The MLLM experts for reviews; nil when no MLLM is configured (a review then keeps
    /// the vision expert's verdict, marked so).
    public let panel: ExpertPanel?
    /// What callers may ask for.
    public let limits: InputLimits
    public let logger: Logger
    /// Where the use cases record their timings and counts (`UseCaseMetrics`).
    public let metrics: any MetricsFactory
    /// The vision expert every use case derives its settings from, so its memory-bank
    /// cache lives as long as the app (a service loads each bank once, not per request).
    private let vision: VisionExpert?

    /// Creates the use cases over an open store.
    public init(store: ReferenceStore, embedder: ImageEmbedder?, panel: ExpertPanel? = nil, limits: InputLimits = InputLimits(), logger: Logger,
                metrics: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.store = store
        self.embedder = embedder
        self.panel = panel
        self.limits = limits
        self.logger = logger
        self.metrics = metrics
        vision = embedder.map { VisionExpert(store: store, embedder: $0) }
    }

    /// Where uploaded reference images are kept, named by their SHA-256.
    public var uploadsDirectory: String { store.directory + "/uploads" }

    /// The embedder, for use cases that embed.
    /// - Throws: `weights_unusable` when the adapter opened the store without one.
    func requireEmbedder() throws(EchoError) -> ImageEmbedder {
        guard let embedder else {
            throw EchoError(.weightsUnusable, "this operation needs the backbone's weights, which were not loaded")
        }
        return embedder
    }

    /// The vision expert with `configuration`.
    func visionExpert(_ configuration: VisionExpert.Configuration = VisionExpert.Configuration()) throws(EchoError) -> VisionExpert {
        _ = try requireEmbedder()
        return vision!.configured(configuration)
    }

    /// Saves every loaded index (a writing command's last step; the service saves when it
    /// stops). Indexes are caches: one that is not saved is replayed from SQLite.
    /// - Throws: `store_failed` when an index cannot be written.
    public func saveIndexes() throws(EchoError) {
        try classified { try store.saveIndexes() }
    }
}
