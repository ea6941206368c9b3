import EchoEmbedding
import EchoExperts
import EchoStore
import EchoVision
import Foundation
import Logging

/// What the routes work with: the store, the embedder, the vision expert, the MLLM
/// experts when configured, the metrics, and where uploaded references are kept.
public struct ServiceContext: Sendable {
    public let store: ReferenceStore
    public let embedder: ImageEmbedder
    public let vision: VisionExpert
    /// The MLLM experts; nil when no MLLM is configured (inspect then answers with the
    /// vision expert alone).
    public let panel: ExpertPanel?
    public let metrics: ServiceMetrics
    public let configuration: ServiceConfiguration
    /// Uploaded reference images, named by their SHA-256 (never by anything a client sent).
    public let uploadsDirectory: String
    public let logger: Logger

    public init(store: ReferenceStore, embedder: ImageEmbedder, panel: ExpertPanel?, configuration: ServiceConfiguration, logger: Logger) {
        self.store = store
        self.embedder = embedder
        vision = VisionExpert(store: store, embedder: embedder)
        self.panel = panel
        metrics = ServiceMetrics()
        self.configuration = configuration
        uploadsDirectory = store.directory + "/uploads"
        self.logger = logger
    }
}
