import EchoImaging
import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// What to ingest from files, and how.
public struct IngestFilesRequest: Sendable {
    /// Image files, or folders searched recursively for .png/.jpg/.jpeg (symlinks followed).
    public var paths: [String]
    /// The product; created on first use (its name must follow `CategoryName`).
    public var category: String
    /// Stored with every image (`MetadataRule`).
    public var metadata: [String: String] = [:]
    /// The FAISS index of a new category (`IndexSpecificationRule`).
    public var indexSpecification = "Flat"
    /// Images committed per transaction.
    public var batchSize = 32
    /// Images decoded and embedded at once.
    public var concurrency = 1
    /// Score the new golden samples against the calibration and warn of likely defective ones.
    public var screen = true

    public init(paths: [String], category: String) {
        self.paths = paths
        self.category = category
    }

    /// Checks the request by the one set of rules; `ingestFiles` does so first, and an
    /// adapter may too, before it opens anything.
    /// - Throws: `invalid_category`, `invalid_metadata`, `invalid_index`, `invalid_parameter`.
    public func validate() throws(EchoError) {
        try classified {
            try CategoryName.validate(category)
            try MetadataRule.validate(metadata)
            try IndexSpecificationRule.validate(indexSpecification)
        }
        guard batchSize > 0 else { throw EchoError(.invalidParameter, "the batch size must be at least 1 (got \(batchSize))") }
        guard concurrency > 0 else { throw EchoError(.invalidParameter, "the concurrency must be at least 1 (got \(concurrency))") }
    }
}

/// What an ingest of files did.
public struct IngestFilesOutcome: Sendable, Encodable {
    public let category: String
    /// Every file, with its status (added, duplicate, failed with the reason).
    public let files: [IngestedFile]
    /// What screening found (nil when not screened: turned off, nothing added, or no calibration).
    public let screening: GoldenSampleScreening?
    /// Why screening could not run, when it failed (the samples are stored either way).
    public let screeningProblem: String?

    public var added: Int { files.filter { $0.status == .added }.count }
    public var duplicates: Int { files.filter { $0.status == .duplicate }.count }
    public var failed: Int { files.filter { $0.status == .failed }.count }

    enum CodingKeys: String, CodingKey { case category, files, screening }
}

/// What one uploaded image became.
public struct UploadOutcome: Sendable, Encodable {
    /// "added" or "duplicate".
    public let status: String
    public let id: Int64?
    public let sha256: String
    public let category: String
    /// Set when the new golden sample scores as an outlier against the calibration.
    public let warnings: [String]?
}

extension EchoApp {
    /// Ingests golden samples from files: bad files are reported and skipped, the rest
    /// committed in batches; then, unless turned off, the new samples are screened.
    /// - Throws: `invalid_category`, `invalid_metadata`, `invalid_index`,
    ///   `invalid_parameter` (batch size) before any work; `nothing_to_do` when the paths
    ///   hold no image; `incompatible` (another embedder); `read_only`, `store_busy`,
    ///   `store_failed`. Bad files never throw.
    public func ingestFiles(_ request: IngestFilesRequest, progress: (IngestProgress) -> Void = { _ in }) throws(EchoError) -> IngestFilesOutcome {
        try request.validate()
        return try timed(UseCaseMetrics.ingestFiles) { () throws(EchoError) in try ingest(request, progress: progress) }
    }

    private func ingest(_ request: IngestFilesRequest, progress: (IngestProgress) -> Void) throws(EchoError) -> IngestFilesOutcome {
        let embedder = try requireEmbedder()
        let options = IngestOptions(category: request.category, metadata: request.metadata, indexSpecification: request.indexSpecification,
                                    batchSize: request.batchSize, concurrency: request.concurrency, maxPixels: limits.maxPixels)
        let report = try classified { try Ingestor(store: store, embedder: embedder, logger: logger).ingest(request.paths, options: options, progress: progress) }
        let added = report.files.filter { $0.status == .added }.compactMap(\.id)
        let (screening, problem) = request.screen ? screen(added, category: request.category, concurrency: request.concurrency) : (nil, nil)
        let outcome = IngestFilesOutcome(category: report.category, files: report.files, screening: screening, screeningProblem: problem)
        for (status, n) in [("added", outcome.added), ("duplicate", outcome.duplicates), ("failed", outcome.failed)] {
            count(UseCaseMetrics.ingestedImages, [("status", status)], by: n)
        }
        return outcome
    }

    /// Ingests one uploaded image with metadata: the bytes are checked (pixel limit,
    /// decodable) before anything is written, kept under `uploadsDirectory` by their
    /// SHA-256 (so the MLLM and reports can show them), then ingested and screened.
    /// - Throws: `invalid_category`, `invalid_metadata` before reading the image;
    ///   `image_too_large`, `bad_image`; `incompatible`; `read_only`, `store_busy`,
    ///   `store_failed`.
    public func ingestUpload(_ bytes: [UInt8], category: String, metadata: [String: String]) throws(EchoError) -> UploadOutcome {
        try checkName(category)
        try classified { try MetadataRule.validate(metadata) }
        let outcome = try timed(UseCaseMetrics.ingestUpload) { () throws(EchoError) in try upload(bytes, category: category, metadata: metadata) }
        count(UseCaseMetrics.ingestedImages, [("status", outcome.status)])
        return outcome
    }

    private func upload(_ bytes: [UInt8], category: String, metadata: [String: String]) throws(EchoError) -> UploadOutcome {
        let embedder = try requireEmbedder()
        // Decoded before anything is written, so nothing unusable lands in uploads/. The
        // Ingestor decodes the stored copy again: a few ms beside ~30 ms of embedding.
        _ = try classified { try ImageDecoder(maxPixels: limits.maxPixels).decode(bytes) }
        let format = try classified { try ImageFormat.detect(bytes) }
        let digest = ImageDigest.hex(bytes)
        let path = "\(uploadsDirectory)/\(digest).\(format == .png ? "png" : "jpg")"
        do {
            try FileManager.default.createDirectory(atPath: uploadsDirectory, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        } catch {
            throw EchoError(.storeFailed, "cannot keep the uploaded image in the store's uploads directory: \(error.localizedDescription)", cause: error)
        }
        var options = IngestOptions(category: category, metadata: metadata)
        options.maxPixels = limits.maxPixels
        let report = try classified { try Ingestor(store: store, embedder: embedder, logger: logger).ingest([path], options: options) }
        guard let file = report.files.first else { throw EchoError(.internal, "ingest reported no file for the upload") }
        if file.status == .failed { throw EchoError(.badImage, file.reason ?? "the image could not be ingested") }
        let messages = file.status == .added ? screen(file.id.map { [$0] } ?? [], category: category, concurrency: 1).screening?.outliers.map(\.message) : nil
        return UploadOutcome(status: file.status.rawValue, id: file.id, sha256: digest, category: category,
                             warnings: messages?.isEmpty == false ? messages : nil)
    }

    /// Screens new golden samples against the calibration. A screening that fails is
    /// logged and returned as a problem, never thrown: the samples are stored either way.
    private func screen(_ ids: [Int64], category: String, concurrency: Int) -> (screening: GoldenSampleScreening?, problem: String?) {
        guard !ids.isEmpty else { return (nil, nil) }
        do {
            return (try visionExpert().screen(ids, category: category, concurrency: concurrency), nil)
        } catch {
            logger.warning("screening new golden samples failed", metadata: ["category": "\(category)", "error": "\(error)"])
            return (nil, "the new golden samples were stored but could not be screened: \(error)")
        }
    }

    /// Checks a category name by the store's one rule.
    /// - Throws: `invalid_category` with the rule and a suggestion.
    func checkName(_ category: String) throws(EchoError) {
        try classified { try CategoryName.validate(category) }
    }
}
