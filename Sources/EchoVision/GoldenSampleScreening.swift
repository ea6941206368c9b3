import EchoReferences
import EchoStore
import Foundation

/// What screening newly ingested golden samples found: the ones that score as outliers
/// against the category's calibration, or why nothing was screened.
public struct GoldenSampleScreening: Sendable, Codable {
    /// A new golden sample that scores like a defect.
    public struct Outlier: Sendable, Codable, Equatable {
        public let id: Int64
        public let path: String
        public let score: Float
        public let robustZ: Double
        /// What to tell a person.
        public let message: String
    }

    public let category: String
    public let screened: Int
    public let outliers: [Outlier]
    /// Why the samples were not screened (no calibration yet, say); nil when they were.
    public let skipped: String?
}

extension VisionExpert {
    /// Scores newly added golden samples `ids` of `category` leave-one-out, as calibration
    /// would, and flags those that score like a defect: at or above the anomalous line
    /// (threshold × (1 + uncertainty band)) *and* an outlier among the calibration's
    /// scores (robust z above `cutoff`, as `audit`). Both, because a small golden set's
    /// MAD is unstable and ~5 % of good samples are above the threshold by construction.
    /// Writes nothing; the samples stay.
    ///
    /// Needs a calibration of the current scoring made without a memory bank, or with one
    /// that is still current: an ingest makes a bank stale, and scores without it are not
    /// comparable. Otherwise nothing is screened and `skipped` says why.
    /// - Throws: `.references` when a sample lacks patch features; `.store` otherwise.
    public func screen(_ ids: [Int64], category: String, cutoff: Double = GoldenSetAudit.defaultCutoff,
                       concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> GoldenSampleScreening {
        let calibration: Calibration?
        let references: [ReferenceRecord]
        let current: Category
        let bank: MemoryBankStamp?
        do {
            current = try store.category(named: category)
            calibration = try store.calibration(of: category)
            references = try store.references(ids: ids)
            bank = try store.memoryBankStamp(of: category)
        } catch {
            throw .store(error)
        }
        func skipped(_ reason: String) -> GoldenSampleScreening {
            GoldenSampleScreening(category: category, screened: 0, outliers: [], skipped: reason)
        }
        guard !ids.isEmpty else { return skipped("nothing new to screen") }
        guard let calibration, let imageScore = Configuration.imageScore(ofScoring: calibration.scoring) else {
            return skipped("no calibration of the current scoring to compare with; run `echoctl calibrate -c \(category)`, then `echoctl audit -c \(category)`")
        }
        if configuration.useMemoryBank, let bank, bank.referenceSetVersion == calibration.referenceSetVersion,
           bank.referenceSetVersion != current.referenceSetVersion {
            return skipped("the calibration used a memory bank that this ingest made stale; rebuild it (`echoctl calibrate -c \(category) --coreset R`), then run `echoctl audit -c \(category)`")
        }
        guard calibration.scores.count >= GoldenSetAudit.minimumSamples else {
            return skipped("the calibration has only \(calibration.scores.count) scores to compare with")
        }
        let run = try leaveOneOut(references.filter { $0.category == category }, of: current, neighbours: calibration.neighbours,
                                  imageScore: imageScore, concurrency: concurrency)
        let (median, deviation) = GoldenSetAudit.robustCentre(calibration.scores)
        let anomalousLine = calibration.threshold * Double(1 + configuration.uncertaintyBand)
        let outliers = run.scored.compactMap { scored -> GoldenSampleScreening.Outlier? in
            let score = imageScore.score(scored.raw.values)
            let z = GoldenSetAudit.robustZ(Double(score), median: median, deviation: deviation)
            guard z > cutoff, Double(score) >= anomalousLine else { return nil }
            return GoldenSampleScreening.Outlier(
                id: scored.reference.id, path: scored.reference.sourcePath, score: score, robustZ: z,
                message: "golden sample \(scored.reference.id) (\(scored.reference.sourcePath)) scores \(String(format: "%.4f", score)), "
                    + "as a defect would (threshold \(String(format: "%.4f", calibration.threshold)); \(String(format: "%.1f", z)) robust deviations "
                    + "above the calibration's median \(String(format: "%.4f", median))): it may be "
                    + "defective; look at it (`echoctl audit -c \(category)`) and remove it (`echoctl remove \(scored.reference.id)`) if so")
        }
        return GoldenSampleScreening(category: category, screened: run.scored.count, outliers: outliers, skipped: nil)
    }
}
