import EchoEmbedding
import EchoStore
import EchoVision
import Foundation
import Logging

/// A standard dataset evaluation (MVTec AD, VisA or a folder layout).
public struct DatasetEvaluationRequest: Sendable {
    public var root: String
    public var layout: DatasetLayout
    /// Only these categories (all when empty).
    public var categories: [String] = []
    /// Keep the store here (default: a temporary one, removed afterwards).
    public var storeDirectory: String?
    public var neighbours = 3
    public var imageScore: VisionExpert.ImageScore = .maximum
    /// Save every anomaly map (NumPy) beside the results.
    public var saveMaps: String?
    /// Write an HTML summary here.
    public var htmlPath: String?
    public var concurrency = 1

    public init(root: String, layout: DatasetLayout) {
        self.root = root
        self.layout = layout
    }
}

/// The dataset evaluation use case: ingest each category's training images, calibrate,
/// inspect its test images, and compute the standard metrics.
public enum DatasetEvaluationRun {
    /// - Throws: `bad_request` for a folder not in the layout or an unusable file;
    ///   `invalid_parameter` for neighbours < 1; the store's and the backbone's errors;
    ///   `output_failed` when the summary cannot be written.
    public static func run(_ request: DatasetEvaluationRequest, embedder: ImageEmbedder, logger: Logger,
                           progress: @Sendable (EvaluationProgress) -> Void = { _ in }) throws(EchoError) -> DatasetEvaluation {
        guard request.neighbours > 0 else { throw EchoError(.invalidParameter, "neighbours must be at least 1 (got \(request.neighbours))") }
        let categories = try classified { try request.layout.categories(at: request.root, only: request.categories) }
        let temporary = request.storeDirectory == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("echo-eval-\(UUID().uuidString)").path : nil
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let store = try classified { try ReferenceStore(directory: request.storeDirectory ?? temporary!, mode: .readWrite, logger: logger) }
        var settings = VisionExpert.Configuration()
        settings.neighbours = request.neighbours
        settings.imageScore = request.imageScore
        let evaluator = DatasetEvaluator(expert: VisionExpert(store: store, embedder: embedder, configuration: settings), logger: logger)
        let evaluation = try classified {
            try evaluator.evaluate(categories, layout: request.layout, root: request.root, saveMaps: request.saveMaps,
                                   concurrency: request.concurrency, progress: progress)
        }
        try classified { try store.saveIndexes() }
        if let html = request.htmlPath {
            do {
                try EvaluationSummaryWriter.write(evaluation, to: html)
            } catch {
                throw EchoError(.outputFailed, "writing the summary \(html) failed: \(error)", cause: error)
            }
        }
        return evaluation
    }
}
