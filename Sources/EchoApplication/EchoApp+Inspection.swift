import Crypto
import EchoExperts
import EchoImaging
import EchoStore
import EchoVision
import Foundation

/// What to inspect from files, and how.
public struct InspectFilesRequest: Sendable {
    /// Image files or folders.
    public var paths: [String]
    public var category: String
    /// Nearest normals each image is compared with.
    public var neighbours = 3
    /// Write an HTML report with overlays into this directory.
    public var reportDirectory: String?
    /// Have the MLLM experts review every image (the vision expert decides, marked so,
    /// when no MLLM is configured or it fails).
    public var review = false
    /// MLLM reviews in flight at once.
    public var reviewConcurrency = 4
    /// Images inspected at once.
    public var concurrency = 1

    public init(paths: [String], category: String) {
        self.paths = paths
        self.category = category
    }

    /// Checks the request (`inspectFiles` does so first; an adapter may before it opens
    /// anything).
    /// - Throws: `invalid_parameter` saying which value is out of range.
    public func validate() throws(EchoError) {
        guard neighbours > 0 else { throw EchoError(.invalidParameter, "neighbours must be at least 1 (got \(neighbours))") }
        guard reviewConcurrency > 0 else { throw EchoError(.invalidParameter, "reviews in flight must be at least 1 (got \(reviewConcurrency))") }
        guard concurrency > 0 else { throw EchoError(.invalidParameter, "the concurrency must be at least 1 (got \(concurrency))") }
    }
}

/// A recorded inspection run and what its user should know about it.
public struct InspectFilesOutcome: Sendable {
    public let report: RunReport
    /// Warnings for people: a stale threshold, a review without an MLLM.
    public let warnings: [String]
}

/// The answer to one uploaded image.
public struct UploadInspection: Sendable, Encodable {
    public let runID: Int64
    /// The final verdict (the experts' when they reviewed, else the vision expert's).
    public let verdict: String
    public let result: InspectionResult
    public let review: Review?
}

extension EchoApp {
    /// Inspects image files against their nearest golden samples, has the experts review
    /// them when asked, and records the run (and an HTML report when asked).
    /// `progress` receives a stage ("inspect", "review"), images done, and the total.
    /// - Throws: `invalid_parameter` for neighbours or concurrency < 1; `unknown_category`
    ///   before any work; `output_failed` when the report cannot be written; `read_only`,
    ///   `store_busy`, `store_failed`. Images that fail are reported in the run.
    public func inspectFiles(_ request: InspectFilesRequest,
                             progress: @escaping @Sendable (String, Int, Int) -> Void = { _, _, _ in }) async throws(EchoError) -> InspectFilesOutcome {
        try request.validate()
        let outcome = try await timed(UseCaseMetrics.inspectFiles) { () async throws(EchoError) in try await inspect(request, progress: progress) }
        for verdict in ["normal", "anomalous", "uncertain", "uncalibrated"] {
            count(UseCaseMetrics.inspectedImages, [("verdict", verdict)], by: outcome.report.images.filter { $0.verdict?.rawValue == verdict }.count)
        }
        count(UseCaseMetrics.inspectedImages, [("verdict", "failed")], by: outcome.report.failed)
        return outcome
    }

    private func inspect(_ request: InspectFilesRequest, progress: @escaping @Sendable (String, Int, Int) -> Void) async throws(EchoError) -> InspectFilesOutcome {
        var settings = VisionExpert.Configuration()
        settings.neighbours = request.neighbours
        let runner = InspectionRunner(expert: try visionExpert(settings), logger: logger, maxPixels: limits.maxPixels)
        var warnings = try staleThresholdWarning(request.category).map { [$0] } ?? []
        let report: RunReport
        if request.review {
            if panel?.model == nil {
                warnings.append("no MLLM configured (--mllm-url/--mllm-model or ECHO_MLLM_URL/ECHO_MLLM_MODEL); the vision expert decides")
            }
            let experts = ExpertInspectionRunner(runner: runner, panel: reviewPanel)
            report = try await classified {
                try await experts.run(request.paths, category: request.category, reportDirectory: request.reportDirectory,
                                      concurrency: request.concurrency, reviewConcurrency: request.reviewConcurrency, progress: progress)
            }
        } else {
            report = try classified {
                try runner.run(request.paths, category: request.category, reportDirectory: request.reportDirectory,
                               concurrency: request.concurrency) { done, total in progress("inspect", done, total) }
            }
        }
        return InspectFilesOutcome(report: report, warnings: warnings)
    }

    /// Inspects one uploaded image, has the experts review it when asked, and records it
    /// as a run of one (named `upload:` and the start of its SHA-256). With `keep` the
    /// image is kept in the store's uploads (`uploads/inspected/`), so the run can show it
    /// later (`runResultImage`); without, only its scores are recorded (a camera's stream
    /// of images would fill the disk).
    /// - Throws: `image_too_large`, `bad_image`; `unknown_category`; `no_references`;
    ///   `incompatible`; `read_only`, `store_busy`, `store_failed`, `disk_full` (keeping).
    public func inspectUpload(_ bytes: [UInt8], category: String, review: Bool, keep: Bool = false) async throws(EchoError) -> UploadInspection {
        let answer = try await timed(UseCaseMetrics.inspectUpload) { () async throws(EchoError) in
            try await inspect(bytes, category: category, review: review, keep: keep)
        }
        count(UseCaseMetrics.inspectedImages, [("verdict", answer.verdict)])
        return answer
    }

    private func inspect(_ bytes: [UInt8], category: String, review: Bool, keep: Bool) async throws(EchoError) -> UploadInspection {
        let expert = try visionExpert()
        let maxPixels = limits.maxPixels
        let (image, result) = try await BlockingWork.run { () throws -> (Image, InspectionResult) in
            let image = try ImageDecoder(maxPixels: maxPixels).decode(bytes)
            return (image, try expert.inspect(image, category: category))
        }
        var verdict: Review?
        if review {
            verdict = await reviewPanel.review(result, category: category, store: store) { () throws(ExpertError) in
                try ImageAttachment.from(bytes: bytes, decoded: image, label: "The image to inspect")
            }
        }
        let digest = SHA256.hash(data: Data(bytes)).prefix(8).map { String(format: "%02x", $0) }.joined()
        if keep { try keepInspectedUpload(bytes, digest: digest) }
        let recorded = InspectedImage(path: "upload:\(digest)", result: result, error: nil, review: verdict)
        let runner = InspectionRunner(expert: expert, logger: logger, maxPixels: maxPixels)
        let report = try await BlockingWork.run {
            try runner.record(InspectionBatch(category: category, threshold: result.threshold, images: [recorded]), reportDirectory: nil)
        }
        return UploadInspection(runID: report.runID, verdict: (recorded.verdict ?? result.verdict).rawValue, result: result, review: verdict)
    }

    /// Writes an inspected upload under `uploads/inspected/` by its digest (once).
    private func keepInspectedUpload(_ bytes: [UInt8], digest: String) throws(EchoError) {
        let path = inspectedUploadPath(digest: digest, format: try classified { try ImageFormat.detect(bytes) })
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        } catch {
            throw EchoError(classifyingWrite: error, "cannot keep the inspected image in the store's uploads directory")
        }
    }

    /// The recorded results of a run.
    /// - Throws: `unknown_run` when no run has that id; `store_failed`.
    public func runResults(_ id: Int64) throws(EchoError) -> [RunResultRecord] {
        let results = try classified { try store.results(ofRun: id) }
        guard !results.isEmpty else { throw EchoError(.unknownRun, "no run has id \(id)") }
        return results
    }

    /// The panel that reviews: the configured one, or one without a model (whose verdict
    /// is the vision expert's, marked "no MLLM configured").
    var reviewPanel: ExpertPanel {
        panel ?? ExpertPanel(model: nil, knowledge: nil, modules: ExpertModules(), logger: logger)
    }

    /// A warning when the category's threshold predates its latest reference changes.
    private func staleThresholdWarning(_ category: String) throws(EchoError) -> String? {
        try classified {
            guard let calibration = try store.calibration(of: category),
                  calibration.referenceSetVersion != (try store.category(named: category)).referenceSetVersion else { return nil }
            return "the threshold of \(category) predates its latest reference changes; run `echoctl calibrate -c \(category)`"
        }
    }
}
