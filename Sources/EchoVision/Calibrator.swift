import EchoEmbedding
import EchoReferences
import EchoStore
import Foundation

extension VisionExpert {
    /// Sets a category's threshold from its golden samples alone: each is scored
    /// leave-one-out (against its nearest *other* golden samples, exactly as a query
    /// would be, and against the category's memory bank without its own patches when it
    /// has one), and the threshold is the configured quantile (0.95 by default, linear
    /// interpolation) of those scores. Golden samples an audit excluded
    /// (`excludeOutliers`) still serve as neighbours but their own scores are left out.
    /// Deterministic for a given reference set. Stored with the reference-set version it
    /// was computed on.
    /// - Throws: `.references` when the category has fewer than two golden samples with
    ///   patch features to score (nothing to leave one out against).
    public func calibrate(category: String, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> Calibration {
        let (current, references, excluded) = try goldenSet(of: category)
        let included = references.filter { excluded[$0.id] == nil }
        guard references.count >= 2, included.count >= 2 else {
            throw .references("calibrating \"\(category)\" needs at least 2 golden samples (it has \(references.count)"
                + (excluded.isEmpty ? "" : ", \(excluded.count) excluded by an audit") + "); ingest more"
                + (excluded.isEmpty ? "" : " or readmit some with `echoctl audit -c \(category) --readmit ID`"))
        }
        let run = try leaveOneOut(included, of: current, concurrency: concurrency)
        let scores = run.scored.map { Double(run.imageScore.score($0.raw.values)) }
        let calibration = Calibration(
            category: category, referenceSetVersion: current.referenceSetVersion,
            threshold: Self.quantile(scores, configuration.thresholdQuantile),
            method: "\(run.imageScore.id) patch distance, quantile \(configuration.thresholdQuantile) of \(scores.count) leave-one-out scores"
                + (run.bankRows.map { ", with a memory bank of \($0) patches" } ?? "")
                + (excluded.isEmpty ? "" : ", \(excluded.count) golden sample\(excluded.count == 1 ? "" : "s") excluded by an audit"),
            neighbours: configuration.neighbours, scores: scores, computedAt: Date().formatted(.iso8601),
            scoring: Configuration.scoringID(run.imageScore), backgrounds: run.scored.map { Double($0.raw.median) })
        do {
            try store.saveCalibration(calibration)
        } catch {
            throw .store(error)
        }
        return calibration
    }

    /// The `q` quantile of `values` with linear interpolation between order statistics.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }
}
