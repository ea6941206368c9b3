/// How a run's scores compare with the calibration's leave-one-out scores of the golden
/// samples: a changed camera, light or product moves them before it causes misses.
/// Measured by the vision expert (`ScoreDrift.measure` in EchoVision) in two ways; the
/// store keeps it with each run.
///
/// - The **normal scores**: the image scores of images judged normal, against the
///   calibration's scores below the same cut (both truncated alike).
/// - The **background level**: the median raw patch distance of each image not judged
///   anomalous, against the golden samples' leave-one-out medians. A global change
///   (light, focus, a shifted camera, sensor noise) raises it on every image, so it still
///   speaks when the changed images have left the normal range; anomalous images are
///   left out so that a run with many defects is not taken for drift.
public struct ScoreDrift: Sendable, Codable, Equatable {
    /// Normal-verdict scores compared.
    public let normalScores: Int
    /// Calibration scores they were compared with (those below the same normal cut).
    public let calibrationScores: Int
    /// The one-sided two-sample Kolmogorov–Smirnov statistic D⁺ of the normal scores: how
    /// far their empirical distribution function lies below the calibration's (scores
    /// moved up), in [0, 1]; nil when not judged.
    public let ksStatistic: Double?
    /// Its asymptotic p-value (1 when the samples are alike).
    public let pValue: Double?
    public let normalMedian: Double?
    public let calibrationMedian: Double?
    /// `normalMedian / calibrationMedian − 1`: +0.15 means normal scores are 15 % higher.
    public let medianShift: Double?
    /// The share of the run's scores below the normal cut, and of the calibration's
    /// (reported, not flagged: a lot with many defects lowers it too).
    public let normalShare: Double
    public let calibrationNormalShare: Double
    /// Images (not judged anomalous) whose background level was compared, and the golden
    /// samples' levels they were compared with.
    public let backgroundImages: Int
    public let calibrationBackgrounds: Int
    /// The KS statistic and p-value of the background levels; nil when not judged.
    public let backgroundKSStatistic: Double?
    public let backgroundPValue: Double?
    public let backgroundMedian: Double?
    public let calibrationBackgroundMedian: Double?
    /// True when either comparison had enough data and found scores moved up, p < 0.01.
    public let drifted: Bool
    /// What was seen and what to do, written to follow "score drift: " ("none: …",
    /// "detected: …", "not judged: …").
    public let message: String

    public init(normalScores: Int, calibrationScores: Int, ksStatistic: Double?, pValue: Double?, normalMedian: Double?,
                calibrationMedian: Double?, medianShift: Double?, normalShare: Double, calibrationNormalShare: Double,
                backgroundImages: Int, calibrationBackgrounds: Int, backgroundKSStatistic: Double?, backgroundPValue: Double?,
                backgroundMedian: Double?, calibrationBackgroundMedian: Double?, drifted: Bool, message: String) {
        self.normalScores = normalScores
        self.calibrationScores = calibrationScores
        self.ksStatistic = ksStatistic
        self.pValue = pValue
        self.normalMedian = normalMedian
        self.calibrationMedian = calibrationMedian
        self.medianShift = medianShift
        self.normalShare = normalShare
        self.calibrationNormalShare = calibrationNormalShare
        self.backgroundImages = backgroundImages
        self.calibrationBackgrounds = calibrationBackgrounds
        self.backgroundKSStatistic = backgroundKSStatistic
        self.backgroundPValue = backgroundPValue
        self.backgroundMedian = backgroundMedian
        self.calibrationBackgroundMedian = calibrationBackgroundMedian
        self.drifted = drifted
        self.message = message
    }
}
