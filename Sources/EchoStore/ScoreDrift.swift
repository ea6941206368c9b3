/// How the scores of images judged normal compare with the calibration's leave-one-out
/// scores of the golden samples: a changed camera, light or product moves them before
/// it causes misses. Measured by the vision expert (`ScoreDrift.measure` in EchoVision);
/// the store keeps it with each run.
public struct ScoreDrift: Sendable, Codable, Equatable {
    /// Normal-verdict scores compared.
    public let normalScores: Int
    /// Calibration scores they were compared with (those below the same normal cut).
    public let calibrationScores: Int
    /// The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two
    /// empirical distribution functions, in [0, 1]; nil when the calibration has too few
    /// scores below the cut to compare with.
    public let ksStatistic: Double?
    /// The asymptotic p-value of `ksStatistic` (1 when the samples are alike).
    public let pValue: Double?
    public let normalMedian: Double
    public let calibrationMedian: Double?
    /// `normalMedian / calibrationMedian − 1`: +0.15 means normal scores are 15 % higher.
    public let medianShift: Double?
    /// True when there were enough normal scores and the distributions differ (p < 0.01).
    public let drifted: Bool
    /// What was seen and what to do, written to follow "score drift: " ("none: …",
    /// "detected: …", "not judged: …").
    public let message: String

    public init(normalScores: Int, calibrationScores: Int, ksStatistic: Double?, pValue: Double?, normalMedian: Double,
                calibrationMedian: Double?, medianShift: Double?, drifted: Bool, message: String) {
        self.normalScores = normalScores
        self.calibrationScores = calibrationScores
        self.ksStatistic = ksStatistic
        self.pValue = pValue
        self.normalMedian = normalMedian
        self.calibrationMedian = calibrationMedian
        self.medianShift = medianShift
        self.drifted = drifted
        self.message = message
    }
}
