import EchoReferences
import EchoStore
import Foundation

/// A category's golden samples, each scored leave-one-out, with the outliers marked: the
/// likely defective "normals" that inflate a threshold.
///
/// A sample is an outlier when its robust z-score, 0.6745 · (score − median) / MAD, is
/// above the cutoff (2.0 by default; see `defaultCutoff`). Only high
/// scores count: a golden sample that matches its neighbours unusually well is not a
/// problem. When the MAD is 0 the mean absolute deviation stands in for it (scaled to the
/// same units); when both are 0 nothing is an outlier.
public struct GoldenSetAudit: Sendable, Codable {
    /// One golden sample.
    public struct Entry: Sendable, Codable {
        public let reference: ReferenceRecord
        /// Its leave-one-out image score (the calibration's scoring).
        public let score: Float
        /// How far above the median its score is, in robust standard deviations.
        public let robustZ: Double
        public let isOutlier: Bool
        /// Why it is currently left out of calibration, if it is.
        public let exclusion: CalibrationExclusion?
        /// Where its strongest difference is, in words.
        public let region: String
        /// Its smoothed anomaly map (for the audit page; not in JSON).
        public let anomalyMap: AnomalyMap

        enum CodingKeys: String, CodingKey {
            case reference, score, robustZ, isOutlier, exclusion, region
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            reference = try container.decode(ReferenceRecord.self, forKey: .reference)
            score = try container.decode(Float.self, forKey: .score)
            robustZ = try container.decode(Double.self, forKey: .robustZ)
            isOutlier = try container.decode(Bool.self, forKey: .isOutlier)
            exclusion = try container.decodeIfPresent(CalibrationExclusion.self, forKey: .exclusion)
            region = try container.decode(String.self, forKey: .region)
            anomalyMap = AnomalyMap(width: 0, height: 0, values: [])
        }

        init(reference: ReferenceRecord, score: Float, robustZ: Double, isOutlier: Bool, exclusion: CalibrationExclusion?, anomalyMap: AnomalyMap) {
            self.reference = reference
            self.score = score
            self.robustZ = robustZ
            self.isOutlier = isOutlier
            self.exclusion = exclusion
            self.region = anomalyMap.peakRegion
            self.anomalyMap = anomalyMap
        }

        /// What the audit measured, as stored with an exclusion.
        public var reason: String {
            String(format: "audit: leave-one-out score %.4f, robust z %.1f", score, robustZ)
        }
    }

    public let category: String
    /// The robust z-score above which a sample is an outlier.
    public let cutoff: Double
    public let median: Double
    /// The robust standard deviation the z-scores are in (MAD / 0.6745).
    public let robustDeviation: Double
    /// The image score the samples were scored by ("max", "top5").
    public let scoring: String
    /// Every golden sample, highest score first.
    public let entries: [Entry]

    public var outliers: [Entry] { entries.filter(\.isOutlier) }

    /// The same audit with the exclusions now stored (after `excludeOutliers`).
    public func withExclusions(_ exclusions: [Int64: CalibrationExclusion]) -> GoldenSetAudit {
        GoldenSetAudit(category: category, cutoff: cutoff, median: median, robustDeviation: robustDeviation, scoring: scoring,
                       entries: entries.map {
                           Entry(reference: $0.reference, score: $0.score, robustZ: $0.robustZ, isOutlier: $0.isOutlier,
                                 exclusion: exclusions[$0.reference.id], anomalyMap: $0.anomalyMap)
                       })
    }

    /// The default cutoff. Iglewicz and Hoaglin's 3.5 found none of 10 defective ELPV cells
    /// planted among 200 golden ones: golden sets of real parts spread widely (imperfect
    /// cells labelled good score as high as subtle cracks). Chosen on a tuning set of
    /// planted cells (F1 of the flagged list 0.60 mono, 0.63 poly at 2.0, against 0.43 and
    /// 0.00 at 3.0) and reported on other planted cells by `make bench-audit`. An audit
    /// lists candidates for a person to look at; `--cutoff` sets another.
    public static let defaultCutoff = 2.0
    /// Golden samples an audit needs: with fewer, a median and MAD say little.
    public static let minimumSamples = 5

    /// The median and robust standard deviation of `scores` (MAD / 0.6745, or the mean
    /// absolute deviation × 1.2533 when the MAD is 0).
    static func robustCentre(_ scores: [Double]) -> (median: Double, deviation: Double) {
        let median = ScoreDrift.median(scores)
        let deviations = scores.map { abs($0 - median) }
        let mad = ScoreDrift.median(deviations)
        if mad > 0 { return (median, mad / 0.6745) }
        let mean = deviations.reduce(0, +) / Double(max(1, deviations.count))
        return (median, mean * 1.2533)
    }

    /// The robust z-score of `score`; 0 when the deviation is 0.
    static func robustZ(_ score: Double, median: Double, deviation: Double) -> Double {
        deviation > 0 ? (score - median) / deviation : 0
    }
}

extension VisionExpert {
    /// Scores every golden sample of `category` leave-one-out, exactly as calibration does
    /// (excluded samples included, so they can be judged again), and marks the outliers.
    /// Writes nothing.
    /// - Throws: `.references` when the category has fewer than `minimumSamples` golden
    ///   samples, or they lack current patch features; `.store` otherwise.
    public func audit(category: String, cutoff: Double = GoldenSetAudit.defaultCutoff,
                      concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> GoldenSetAudit {
        let (current, references, exclusions) = try goldenSet(of: category)
        guard references.count >= GoldenSetAudit.minimumSamples else {
            throw .references("auditing \"\(category)\" needs at least \(GoldenSetAudit.minimumSamples) golden samples (it has \(references.count)); ingest more")
        }
        let run = try leaveOneOut(references, of: current, concurrency: concurrency)
        let scores = run.scored.map { Double(run.imageScore.score($0.raw.values)) }
        let (median, deviation) = GoldenSetAudit.robustCentre(scores)
        let entries = zip(run.scored, scores).map { scored, score in
            let z = GoldenSetAudit.robustZ(score, median: median, deviation: deviation)
            return GoldenSetAudit.Entry(reference: scored.reference, score: Float(score), robustZ: z, isOutlier: z > cutoff,
                                        exclusion: exclusions[scored.reference.id], anomalyMap: scored.raw.smoothed(sigma: configuration.smoothingSigma))
        }.sorted { ($0.score, $1.reference.id) > ($1.score, $0.reference.id) }
        return GoldenSetAudit(category: category, cutoff: cutoff, median: median, robustDeviation: deviation,
                              scoring: run.imageScore.id, entries: entries)
    }

    /// Leaves the audit's outliers out of calibration (they stay references), then
    /// recalibrates. Returns the new calibration.
    /// - Throws: `.references` when nothing would be left to calibrate on; `.store`.
    public func excludeOutliers(of audit: GoldenSetAudit, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> Calibration {
        let reasons = Dictionary(uniqueKeysWithValues: audit.outliers.map { ($0.reference.id, $0.reason) })
        do {
            try store.excludeFromCalibration(reasons, in: audit.category)
        } catch {
            throw .store(error)
        }
        return try calibrate(category: audit.category, concurrency: concurrency)
    }

    /// Returns golden samples to calibration, then recalibrates.
    /// - Throws: `.store(.invalidArgument)` for ids that are not golden samples of the
    ///   category (nothing changes then).
    public func readmit(_ ids: [Int64], category: String, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ReferenceExtractorError) -> Calibration {
        do {
            try store.readmitToCalibration(ids, in: category)
        } catch {
            throw .store(error)
        }
        return try calibrate(category: category, concurrency: concurrency)
    }
}
