import EchoReferences
import EchoStore
import Foundation

extension InspectionRunner {
    /// How an inspected image is recorded: its final verdict ("failed" without one), its
    /// scores, and the whole image (result, review, error) as sorted JSON.
    public static func resultRecord(_ image: InspectedImage) -> RunResultRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return RunResultRecord(imagePath: image.path, verdict: image.verdict?.rawValue ?? "failed",
                               score: image.result.map { Double($0.score) }, background: image.result.map { Double($0.background) },
                               details: (try? String(decoding: encoder.encode(image), as: UTF8.self)) ?? "{}")
    }

    /// A run's summary: how many images got each final verdict ("failed" for none).
    public static func summary(verdicts: [String]) -> [String: Int] {
        var counts = ["normal": 0, "anomalous": 0, "uncertain": 0, "uncalibrated": 0, "failed": 0]
        for verdict in verdicts { counts[verdict, default: 0] += 1 }
        return counts
    }

    /// The summary and score drift of a run whose results were recorded one by one (a
    /// queued run, by workers), from its recorded results, to finish it with.
    /// - Throws: `.store` when the run cannot be read.
    public func recordedRunOutcome(_ status: RunStatus) throws(ReferenceExtractorError) -> (summary: [String: Int], drift: ScoreDrift?) {
        do {
            let results = try expert.store.results(ofRun: status.id)
            let drift = try recordedRunDrift(results, category: status.category, threshold: status.threshold.map(Float.init))
            return (Self.summary(verdicts: results.map(\.verdict)), drift)
        } catch {
            throw .store(error)
        }
    }

    private func recordedRunDrift(_ results: [RunResultRecord], category: String, threshold: Float?) throws(StoreError) -> ScoreDrift? {
        guard let calibration = try expert.store.calibration(of: category),
              VisionExpert.Configuration.imageScore(ofScoring: calibration.scoring) != nil,
              threshold == Float(calibration.threshold) else { return nil }
        let scored = results.compactMap { record in record.score.map { (score: $0, background: record.background) } }
        return ScoreDrift.measure(results: scored, calibration: calibration, normalCut: ScoreDrift.normalCut(calibration, expert.configuration),
                                  anomalousLine: ScoreDrift.anomalousLine(calibration, expert.configuration))
    }
}
