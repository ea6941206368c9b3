import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Logging

/// One image of a run: its result, or why it could not be inspected.
public struct InspectedImage: Sendable, Codable {
    public let path: String
    public let result: InspectionResult?
    public let error: String?
}

/// A recorded detection run.
public struct RunReport: Sendable, Codable {
    public let runID: Int64
    public let category: String
    public let threshold: Float?
    public let images: [InspectedImage]
    /// Where the HTML report is, when one was written.
    public let reportPath: String?

    public func count(_ verdict: Verdict) -> Int { images.filter { $0.result?.verdict == verdict }.count }
    public var failed: Int { images.filter { $0.error != nil }.count }
}

/// Inspects many images, records the run in the store, and optionally writes an HTML
/// report with overlays.
public struct InspectionRunner: Sendable {
    public let expert: VisionExpert
    public let logger: Logger

    public init(expert: VisionExpert, logger: Logger) {
        self.expert = expert
        self.logger = logger
    }

    /// Inspects the image files under `paths` (files or folders).
    /// - Throws: `.store` when the run cannot be recorded; `.store(.unknownCategory)`
    ///   before any work. Images that fail are reported in the run, not thrown.
    public func run(_ paths: [String], category: String, reportDirectory: String?, concurrency: Int,
                    progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws(ReferenceExtractorError) -> RunReport {
        let (files, missing) = ImageFiles.collect(paths)
        let threshold: Float?
        let runID: Int64
        do {
            threshold = try expert.store.calibration(of: category).map { Float($0.threshold) }
            runID = try expert.store.beginRun(category: category, threshold: threshold.map(Double.init))
        } catch {
            throw .store(error)
        }
        let done = ProgressCounter()
        let decoder = ImageDecoder()
        let inspected = parallelMap(count: files.count, concurrency: concurrency) { index -> (InspectedImage, Image?) in
            defer { progress(done.increment(), files.count) }
            do {
                let image = try decoder.decodeFile(atPath: files[index])
                let result = try expert.inspect(image, category: category)
                // Decoded images are kept only for the report's thumbnails.
                return (InspectedImage(path: files[index], result: result, error: nil), reportDirectory == nil ? nil : image)
            } catch let error as ImagingError {
                return (InspectedImage(path: files[index], result: nil, error: error.description), nil)
            } catch let error as ReferenceExtractorError {
                return (InspectedImage(path: files[index], result: nil, error: error.description), nil)
            } catch {
                return (InspectedImage(path: files[index], result: nil, error: "\(error)"), nil)
            }
        }
        let images = missing.map { InspectedImage(path: $0, result: nil, error: "no such file or directory") } + inspected.map(\.0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let records = images.map { image in
            RunResultRecord(imagePath: image.path, verdict: image.result?.verdict.rawValue ?? "failed",
                            score: image.result.map { Double($0.score) },
                            details: (try? String(decoding: encoder.encode(image), as: UTF8.self)) ?? "{}")
        }
        var reportPath: String?
        do {
            try expert.store.recordResults(records, run: runID)
            if let reportDirectory {
                reportPath = try ReportWriter(directory: reportDirectory, logger: logger)
                    .write(runID: runID, category: category, threshold: threshold, images: inspected)
            }
            let report = RunReport(runID: runID, category: category, threshold: threshold, images: images, reportPath: reportPath)
            try expert.store.finishRun(runID, summary: [
                "normal": report.count(.normal), "anomalous": report.count(.anomalous), "uncertain": report.count(.uncertain),
                "uncalibrated": report.count(.uncalibrated), "failed": report.failed,
            ])
            return report
        } catch let error as StoreError {
            throw .store(error)
        } catch let error as ImagingError {
            throw .image(error)
        } catch {
            throw .references("writing the report: \(error)")
        }
    }
}

/// Counts finished images across workers.
final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
