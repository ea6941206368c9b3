import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// How to calibrate a category.
public struct CalibrationRequest: Sendable {
    public var category: String
    /// Nearest normals each golden sample is compared with.
    public var neighbours = 3
    /// Quantile of the golden samples' scores used as the threshold, in (0, 1].
    public var quantile = 0.95
    /// The image score (max, or the mean of the top N); nil keeps the default.
    public var imageScore: VisionExpert.ImageScore?
    /// First build a memory bank of this fraction of all golden patches, in (0, 1].
    public var coreset: Double?
    /// First remove the category's memory bank.
    public var dropMemoryBank = false
    /// Golden samples scored at once.
    public var concurrency = 1

    public init(category: String) {
        self.category = category
    }

    /// Checks the request (`calibrate` does so first; an adapter may before it opens
    /// anything) and returns the vision expert's settings for it.
    /// - Throws: `invalid_parameter` saying which value is out of range.
    @discardableResult
    public func validate() throws(EchoError) -> VisionExpert.Configuration {
        guard neighbours > 0 else { throw EchoError(.invalidParameter, "neighbours must be at least 1 (got \(neighbours))") }
        try EchoApp.checkQuantile(quantile)
        var settings = VisionExpert.Configuration()
        settings.neighbours = neighbours
        settings.thresholdQuantile = quantile
        settings.imageScore = imageScore
        if let ratio = coreset, !(ratio > 0 && ratio <= 1) {
            throw EchoError(.invalidParameter, "a memory bank keeps a fraction of the patches: the coreset ratio must be in (0, 1], not \(ratio)")
        }
        guard coreset == nil || !dropMemoryBank else {
            throw EchoError(.invalidParameter, "building a memory bank (coreset) and dropping it contradict each other")
        }
        guard concurrency > 0 else { throw EchoError(.invalidParameter, "the concurrency must be at least 1 (got \(concurrency))") }
        return settings
    }
}

/// What a calibration did.
public struct CalibrationOutcome: Sendable, Encodable {
    public let calibration: Calibration
    /// Whether a memory bank was removed first.
    public let memoryBankRemoved: Bool
    /// The memory bank built first: kept patches, source patches, seconds taken.
    public let memoryBank: MemoryBankSummary?
}

/// A memory bank just built.
public struct MemoryBankSummary: Sendable, Encodable, Equatable {
    public let patches: Int
    public let sourcePatches: Int
    public let seconds: Double
}

/// How to audit a golden set.
public struct AuditRequest: Sendable {
    public var category: String
    /// Robust z-score above which a golden sample is an outlier (> 0).
    public var cutoff = GoldenSetAudit.defaultCutoff
    /// Leave the outliers found out of calibration, then recalibrate.
    public var exclude = false
    /// Return these golden samples to calibration, then recalibrate.
    public var readmit: [Int64] = []
    /// Quantile of the scores used as threshold when recalibrating, in (0, 1].
    public var quantile = 0.95
    /// Write an HTML page with the outliers into this directory.
    public var reportDirectory: String?
    public var concurrency = 1

    public init(category: String) {
        self.category = category
    }

    /// Whether the audit changes the store (exclusions, readmissions).
    public var writes: Bool { exclude || !readmit.isEmpty }

    /// Checks the request (`audit` does so first; an adapter may before it opens anything).
    /// - Throws: `invalid_parameter` saying which value is out of range.
    public func validate() throws(EchoError) {
        guard cutoff > 0 else { throw EchoError(.invalidParameter, "the cutoff must be above 0 (the default is \(GoldenSetAudit.defaultCutoff))") }
        try EchoApp.checkQuantile(quantile)
        guard !(exclude && !readmit.isEmpty) else {
            throw EchoError(.invalidParameter, "excluding outliers and readmitting samples contradict each other; run one, then the other")
        }
    }
}

/// What an audit found and did.
public struct AuditOutcome: Sendable, Encodable {
    public let audit: GoldenSetAudit
    public let calibration: Calibration?
    public let reportPath: String?
}

extension EchoApp {
    /// Sets a category's anomaly threshold from its golden samples (each scored against the
    /// others), optionally first dropping or building its memory bank.
    /// - Throws: `invalid_parameter` for neighbours < 1, a quantile or ratio outside (0, 1],
    ///   or coreset together with dropping, before any work;
    ///   `unknown_category`; `no_references` (too few golden samples, no patch features);
    ///   `incompatible`; `read_only`, `store_busy`, `store_failed`.
    public func calibrate(_ request: CalibrationRequest) throws(EchoError) -> CalibrationOutcome {
        let settings = try request.validate()
        let expert = try visionExpert(settings)
        return try classified { try store.withCategoryJob(request.category, "calibrating") {
            let removed = request.dropMemoryBank ? try expert.removeMemoryBank(category: request.category) : false
            var summary: MemoryBankSummary?
            if let ratio = request.coreset {
                let started = ContinuousClock.now
                let bank = try expert.buildMemoryBank(category: request.category, ratio: ratio)
                let elapsed = ContinuousClock.now - started
                summary = MemoryBankSummary(patches: bank.count, sourcePatches: bank.sourcePatches,
                                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            let calibration = try expert.calibrate(category: request.category, concurrency: request.concurrency)
            return CalibrationOutcome(calibration: calibration, memoryBankRemoved: removed, memoryBank: summary)
        } }
    }

    /// Scores every golden sample leave-one-out and marks the outliers; optionally
    /// excludes them from (or readmits samples to) calibration and writes an HTML page.
    /// - Throws: `invalid_parameter` for a cutoff ≤ 0, a quantile outside (0, 1], or
    ///   exclude together with readmit; `unknown_category`; `no_references`;
    ///   `output_failed` when the page cannot be written; `read_only`, `store_failed`.
    public func audit(_ request: AuditRequest) throws(EchoError) -> AuditOutcome {
        try request.validate()
        var settings = VisionExpert.Configuration()
        settings.thresholdQuantile = request.quantile
        let base = try visionExpert(settings)
        let (audit, calibration) = try classified { () throws -> (GoldenSetAudit, Calibration?) in
            let work = { () throws -> (GoldenSetAudit, Calibration?) in
                let expert = base.scoring(as: try store.calibration(of: request.category))
                var calibration: Calibration?
                if !request.readmit.isEmpty { calibration = try expert.readmit(request.readmit, category: request.category, concurrency: request.concurrency) }
                var audit = try expert.audit(category: request.category, cutoff: request.cutoff, concurrency: request.concurrency)
                if request.exclude {
                    calibration = try expert.excludeOutliers(of: audit, concurrency: request.concurrency)
                    audit = audit.withExclusions(try store.calibrationExclusions(in: request.category))
                }
                return (audit, calibration)
            }
            // Excluding or readmitting recalibrates: the category's long job.
            return request.exclude || !request.readmit.isEmpty ? try store.withCategoryJob(request.category, "auditing", work) : try work()
        }
        var reportPath: String?
        if let directory = request.reportDirectory {
            do {
                reportPath = try AuditReportWriter(directory: directory, logger: logger, store: store).write(audit)
            } catch {
                throw EchoError(.outputFailed, "writing the audit page into \(directory) failed: \(error)", cause: error)
            }
        }
        return AuditOutcome(audit: audit, calibration: calibration, reportPath: reportPath)
    }

    /// Re-extracts the patch features of a category (or all) from the stored images with
    /// this build's recipe.
    /// - Throws: `unknown_category`; `no_references` listing golden images that are
    ///   missing or changed (nothing changed); `incompatible`; `read_only`, `store_failed`.
    public func reextractPatches(category: String?, force: Bool, concurrency: Int) throws(EchoError) -> [PatchReextraction] {
        let embedder = try requireEmbedder()
        return try classified {
            let names = try category.map { [$0] } ?? store.categories().map(\.name)
            let ingestor = Ingestor(store: store, embedder: embedder, logger: logger)
            return try names.map { name in
                try store.withCategoryJob(name, "re-extracting patches of") { try ingestor.reextractPatches(category: name, force: force, concurrency: concurrency) }
            }
        }
    }

    static func checkQuantile(_ quantile: Double) throws(EchoError) {
        guard quantile > 0, quantile <= 1 else { throw EchoError(.invalidParameter, "the quantile must be in (0, 1], not \(quantile)") }
    }
}
