import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Synchronization
import Logging

/// A second opinion on an inspected image (the MLLM experts'), which then decides the
/// image's final verdict.
public struct Review: Sendable, Codable, Equatable {
    public let verdict: Verdict
    /// Who decided ("experts", or the vision expert and why the MLLM was not used).
    public let decidedBy: String
    public let defect: String?
    public let region: String?
    public let explanation: String
    /// The Reasoning Expert's trace as text, when there was one.
    public let reasoning: String?

    public init(verdict: Verdict, decidedBy: String, defect: String?, region: String?, explanation: String, reasoning: String?) {
        self.verdict = verdict
        self.decidedBy = decidedBy
        self.defect = defect
        self.region = region
        self.explanation = explanation
        self.reasoning = reasoning
    }
}

/// One image of a run: its result, or why it could not be inspected.
public struct InspectedImage: Sendable, Codable {
    public let path: String
    public let result: InspectionResult?
    public let error: String?
    /// The experts' review, when the run had one.
    public var review: Review?

    public init(path: String, result: InspectionResult?, error: String?, review: Review? = nil) {
        self.path = path
        self.result = result
        self.error = error
        self.review = review
    }

    /// The final verdict: the review's when there is one, else the vision expert's.
    public var verdict: Verdict? { review?.verdict ?? result?.verdict }
}

/// A recorded detection run.
public struct RunReport: Sendable, Codable {
    public let runID: Int64
    public let category: String
    public let threshold: Float?
    public let images: [InspectedImage]
    /// Where the HTML report is, when one was written.
    public let reportPath: String?
    /// How the run's normal scores compare with the calibration's; nil when the category
    /// has no calibration of the current scoring or the run had no normal scores.
    public let drift: ScoreDrift?

    /// Images whose final verdict is `verdict`.
    public func count(_ verdict: Verdict) -> Int { images.filter { $0.verdict == verdict }.count }
    public var failed: Int { images.filter { $0.error != nil }.count }
}

/// Images inspected by the vision expert, not yet recorded (see `InspectionRunner`).
public struct InspectionBatch: Sendable {
    public let category: String
    public let threshold: Float?
    public var images: [InspectedImage]
    /// Decoded images, kept for the report's thumbnails (nil when no report is wanted or
    /// the image failed).
    let decoded: [Image?]

    /// A batch of results inspected elsewhere (one uploaded image, say), with no images
    /// kept for a report.
    public init(category: String, threshold: Float?, images: [InspectedImage]) {
        self.category = category
        self.threshold = threshold
        self.images = images
        decoded = images.map { _ in nil }
    }

    init(category: String, threshold: Float?, images: [InspectedImage], decoded: [Image?]) {
        self.category = category
        self.threshold = threshold
        self.images = images
        self.decoded = decoded
    }
}

/// Inspects many images, records the run in the store, and optionally writes an HTML
/// report with overlays. `run` does both stages; callers that add a review (the MLLM
/// experts) call `inspect`, review, then `record`.
public struct InspectionRunner: Sendable {
    public let expert: VisionExpert
    public let logger: Logger
    /// Images with more pixels are refused before decoding (reported as failed).
    public let maxPixels: Int

    public init(expert: VisionExpert, logger: Logger, maxPixels: Int = ImageDecoder.defaultMaxPixels) {
        self.expert = expert
        self.logger = logger
        self.maxPixels = maxPixels
    }

    /// Inspects the image files under `paths` (files or folders) and records the run.
    /// - Throws: `.store` when the run cannot be recorded; `.store(.unknownCategory)`
    ///   before any work. Images that fail are reported in the run, not thrown.
    public func run(_ paths: [String], category: String, reportDirectory: String?, concurrency: Int,
                    progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws(ReferenceExtractorError) -> RunReport {
        try record(inspect(paths, category: category, keepImages: reportDirectory != nil, concurrency: concurrency, progress: progress),
                   reportDirectory: reportDirectory)
    }

    /// The vision expert's results for the image files under `paths`, nothing recorded.
    /// - Throws: `.store(.unknownCategory)` before any work; `.store` when the store
    ///   cannot be read.
    public func inspect(_ paths: [String], category: String, keepImages: Bool, concurrency: Int,
                        progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws(ReferenceExtractorError) -> InspectionBatch {
        let (files, missing) = ImageFiles.collect(paths)
        let threshold: Float?
        do {
            _ = try expert.store.category(named: category)
            threshold = try expert.store.calibration(of: category).map { Float($0.threshold) }
        } catch {
            throw .store(error)
        }
        let done = ProgressCounter()
        let decoder = ImageDecoder(maxPixels: maxPixels)
        let inspected = parallelMap(count: files.count, concurrency: concurrency) { index -> (InspectedImage, Image?) in
            defer { progress(done.increment(), files.count) }
            do {
                let image = try decoder.decodeFile(atPath: files[index])
                let result = try expert.inspect(image, category: category)
                return (InspectedImage(path: files[index], result: result, error: nil), keepImages ? image : nil)
            } catch let error as ImagingError {
                return (InspectedImage(path: files[index], result: nil, error: error.description), nil)
            } catch let error as ReferenceExtractorError {
                return (InspectedImage(path: files[index], result: nil, error: error.description), nil)
            } catch {
                return (InspectedImage(path: files[index], result: nil, error: "\(error)"), nil)
            }
        }
        let failedPaths = missing.map { InspectedImage(path: $0, result: nil, error: "no such file or directory") }
        return InspectionBatch(category: category, threshold: threshold, images: failedPaths + inspected.map(\.0),
                               decoded: failedPaths.map { _ in nil } + inspected.map(\.1))
    }

    /// Records a batch as a run (results, reviews included, in one transaction) and writes
    /// the HTML report when `reportDirectory` is given.
    /// - Throws: `.store` when the run cannot be recorded; `.image` or `.output` when
    ///   the report cannot be written.
    public func record(_ batch: InspectionBatch, reportDirectory: String?) throws(ReferenceExtractorError) -> RunReport {
        let records = batch.images.map(Self.resultRecord)
        var reportPath: String?
        do {
            let drift = try runDrift(batch)
            let runID = try expert.store.beginRun(category: batch.category, threshold: batch.threshold.map(Double.init))
            try expert.store.recordResults(records, run: runID)
            if let reportDirectory {
                reportPath = try ReportWriter(directory: reportDirectory, logger: logger, store: expert.store)
                    .write(runID: runID, category: batch.category, threshold: batch.threshold, drift: drift,
                           images: Array(zip(batch.images, batch.decoded)))
            }
            let report = RunReport(runID: runID, category: batch.category, threshold: batch.threshold, images: batch.images,
                                   reportPath: reportPath, drift: drift)
            try expert.store.finishRun(runID, summary: Self.summary(verdicts: batch.images.map { $0.verdict?.rawValue ?? "failed" }), drift: drift)
            return report
        } catch let error as StoreError {
            throw .store(error)
        } catch let error as ImagingError {
            throw .image(error)
        } catch {
            throw .output("writing the report", cause: OutputFailure(error))
        }
    }
}

extension InspectionRunner {
    /// The batch's score drift against the calibration its threshold came from.
    func runDrift(_ batch: InspectionBatch) throws(StoreError) -> ScoreDrift? {
        guard let calibration = try expert.store.calibration(of: batch.category),
              VisionExpert.Configuration.imageScore(ofScoring: calibration.scoring) != nil,
              batch.threshold == Float(calibration.threshold) else { return nil }
        let results = batch.images.compactMap(\.result).map { (score: Double($0.score), background: Double?(Double($0.background))) }
        return ScoreDrift.measure(results: results, calibration: calibration, normalCut: ScoreDrift.normalCut(calibration, expert.configuration),
                                  anomalousLine: ScoreDrift.anomalousLine(calibration, expert.configuration))
    }
}

/// Counts finished work across workers (images inspected, answers given).
public final class ProgressCounter: Sendable {
    private let count: Atomic<Int>

    /// A counter starting at `start` (work already done).
    public init(_ start: Int = 0) { count = Atomic(start) }

    /// Counts one more; the count after it.
    public func increment() -> Int { count.add(1, ordering: .relaxed).newValue }

    /// The count now.
    public var value: Int { count.load(ordering: .relaxed) }
}
