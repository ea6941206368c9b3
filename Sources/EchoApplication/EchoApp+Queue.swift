import EchoImaging
import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// A run to enqueue for workers: image files or folders of one category.
public struct EnqueueInspectionRequest: Sendable {
    public var paths: [String]
    public var category: String
    /// Nearest normals each image is compared with.
    public var neighbours = 3
    /// Have the MLLM experts review each image (on the workers, with their MLLM).
    public var review = false

    public init(paths: [String], category: String) {
        self.paths = paths
        self.category = category
    }

    /// Checks the request before anything is read.
    /// - Throws: `invalid_parameter`.
    public func validate() throws(EchoError) {
        guard neighbours > 0 else { throw EchoError(.invalidParameter, "neighbours must be at least 1 (got \(neighbours))") }
    }
}

/// What enqueueing did.
public struct EnqueuedRun: Sendable, Encodable {
    public let runID: Int64
    /// Images enqueued for workers.
    public let queued: Int
    /// Paths that could not be read, recorded in the run as failed.
    public let failed: Int
}

/// A run with its progress and the results recorded so far.
public struct RunProgress: Sendable {
    public let status: RunStatus
    public let results: [RunResultRecord]
}

extension EchoApp {
    /// Images read and stored per transaction while enqueueing.
    static let enqueueChunk = 16

    /// Enqueues a run: its images' bytes go into the database (content-addressed), one job
    /// each, opened to workers once every image is in (a run whose enqueuer stops half-way
    /// is never inspected half). Files that cannot be read are recorded as failed.
    /// `progress` receives images enqueued and the total.
    /// - Throws: `invalid_parameter`; `unsupported` when the store has no queue (SQLite:
    ///   inspect directly); `unknown_category`; `nothing_to_do` when the paths hold no
    ///   image; `image_too_large` for a file over the byte limit; `read_only`,
    ///   `database_unavailable`, `store_failed`.
    public func enqueueInspection(_ request: EnqueueInspectionRequest,
                                  progress: (Int, Int) -> Void = { _, _ in }) throws(EchoError) -> EnqueuedRun {
        try request.validate()
        try requireQueue()
        return try timed(UseCaseMetrics.enqueueInspection) { () throws(EchoError) in try enqueue(request, progress: progress) }
    }

    private func enqueue(_ request: EnqueueInspectionRequest, progress: (Int, Int) -> Void) throws(EchoError) -> EnqueuedRun {
        let (files, missing) = ImageFiles.collect(request.paths)
        guard !files.isEmpty || !missing.isEmpty else {
            throw EchoError(.nothingToDo, "no PNG or JPEG files under \(request.paths.joined(separator: ", "))")
        }
        let threshold = try classified {
            _ = try store.category(named: request.category)
            return try store.calibration(of: request.category)?.threshold
        }
        let settings = QueuedRunSettings(neighbours: request.neighbours, review: request.review)
        let run = try classified { try store.beginQueuedRun(category: request.category, threshold: threshold, settings: settings) }
        var unreadable = missing.map { InspectedImage(path: $0, result: nil, error: "no such file or directory") }
        var queued = 0
        for start in stride(from: 0, to: files.count, by: Self.enqueueChunk) {
            var images: [QueuedImage] = []
            for path in files[start..<min(files.count, start + Self.enqueueChunk)] {
                switch readImageFile(path) {
                case .success(let bytes):
                    let digest = ImageDigest.hex(bytes)
                    images.append(QueuedImage(name: path, sha256: digest, bytes: bytes))
                case .failure(let problem):
                    unreadable.append(InspectedImage(path: path, result: nil, error: problem.message))
                }
            }
            try classified { try store.enqueueImages(images, run: run) }
            queued += images.count
            progress(queued + unreadable.count, files.count + missing.count)
        }
        try classified {
            if !unreadable.isEmpty { try store.recordResults(unreadable.map(InspectionRunner.resultRecord), run: run) }
            try store.sealQueuedRun(run)
        }
        logger.info("enqueued a run", metadata: ["run": "\(run)", "category": "\(request.category)", "images": "\(queued)", "failed": "\(unreadable.count)"])
        return EnqueuedRun(runID: run, queued: queued, failed: unreadable.count)
    }

    /// Starts a queued run that images are then added to one by one
    /// (`enqueueImage`) and that `sealQueuedRun` opens to workers: how the service enqueues.
    /// - Throws: `invalid_parameter`; `unsupported` (no queue); `unknown_category`;
    ///   `read_only`, `database_unavailable`, `store_failed`.
    public func beginQueuedRun(category: String, neighbours: Int = 3, review: Bool = false) throws(EchoError) -> RunStatus {
        var request = EnqueueInspectionRequest(paths: [], category: category)
        request.neighbours = neighbours
        try request.validate()
        try requireQueue()
        return try classified {
            let threshold = try store.calibration(of: try store.category(named: category).name)?.threshold
            let run = try store.beginQueuedRun(category: category, threshold: threshold, settings: QueuedRunSettings(neighbours: neighbours, review: review))
            return try requireStatus(run)
        }
    }

    /// Adds one image (its bytes stored content-addressed) to a queued run being enqueued.
    /// - Parameter name: what the image is reported as (default `upload:` and the start of its SHA-256).
    /// - Throws: `bad_image` for bytes that are not PNG or JPEG; `image_too_large` over the
    ///   byte limit; `unknown_run`; `invalid_parameter` for a run that is sealed or was not
    ///   queued; `unsupported`; `read_only`, `database_unavailable`, `store_failed`.
    public func enqueueImage(_ bytes: [UInt8], name: String?, run: Int64) throws(EchoError) -> RunStatus {
        try requireQueue()
        if let name, name.isEmpty || name.count > 1024 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw EchoError(.invalidParameter, "an image name must be 1 to 1024 characters without control characters")
        }
        guard bytes.count <= limits.maxImageBytes else {
            throw EchoError(.imageTooLarge, "\(bytes.count) bytes is more than the limit of \(limits.maxImageBytes)")
        }
        try classified { _ = try ImageFormat.detect(bytes) }
        let digest = ImageDigest.hex(bytes)
        return try classified {
            try requireEnqueuing(run)
            try store.enqueueImages([QueuedImage(name: name ?? "upload:\(digest.prefix(16))", sha256: digest, bytes: bytes)], run: run)
            return try requireStatus(run)
        }
    }

    /// Opens a queued run's jobs to workers (no image can be added afterwards).
    /// - Throws: `unknown_run`; `invalid_parameter` for a run that is sealed or was not
    ///   queued; `nothing_to_do` for a run without images; `unsupported`; `read_only`,
    ///   `database_unavailable`, `store_failed`.
    public func sealQueuedRun(_ run: Int64) throws(EchoError) -> RunStatus {
        try requireQueue()
        return try classified {
            let status = try requireEnqueuing(run)
            guard status.images > 0 else { throw EchoError(.nothingToDo, "run \(run) has no images; add some before sealing it") }
            try store.sealQueuedRun(run)
            return try requireStatus(run)
        }
    }

    /// - Throws: `unsupported` when the store has no job queue (SQLite).
    @discardableResult
    func requireQueue() throws(EchoError) -> any InspectionQueue {
        guard let queue = store.queue else {
            throw EchoError(.unsupported, "the store at \(store.backend.location) has no job queue: queued inspection needs a PostgreSQL store (--store postgres://...); inspect without --queue instead")
        }
        return queue
    }

    private func requireStatus(_ run: Int64) throws -> RunStatus {
        guard let status = try store.runStatus(run) else { throw EchoError(.unknownRun, "no run has id \(run)") }
        return status
    }

    @discardableResult
    private func requireEnqueuing(_ run: Int64) throws -> RunStatus {
        let status = try requireStatus(run)
        guard status.queued else { throw EchoError(.invalidParameter, "run \(run) was inspected directly, not queued") }
        guard status.state == .enqueuing else { throw EchoError(.invalidParameter, "run \(run) is sealed: its images are fixed; start a new run") }
        return status
    }

    /// A file's bytes, refused above the upload byte limit before reading.
    private func readImageFile(_ path: String) -> Result<[UInt8], EchoError> {
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= limits.maxImageBytes else {
                return .failure(EchoError(.imageTooLarge, "\(size) bytes is more than the limit of \(limits.maxImageBytes)"))
            }
            return .success([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            return .failure(EchoError(.badRequest, "cannot read: \(error.localizedDescription)"))
        }
    }

    /// A run, how far it got, and its results so far.
    /// - Throws: `unknown_run`; `database_unavailable`, `store_failed`.
    public func runProgress(_ id: Int64) throws(EchoError) -> RunProgress {
        try classified {
            guard let status = try store.runStatus(id) else { throw EchoError(.unknownRun, "no run has id \(id)") }
            return RunProgress(status: status, results: try store.results(ofRun: id))
        }
    }
}
