import EchoStore
import Foundation

extension ScoreDrift {
    /// Normal-verdict scores needed before drift is judged; fewer say so and never flag.
    public static let minimumNormalScores = 20
    /// The p-value below which the distributions are said to differ.
    public static let significance = 0.01

    /// Calibration scores below the cut needed to compare with.
    public static let minimumCalibrationScores = 5

    /// Compares the scores of images judged normal (those of `scores` below `normalCut`,
    /// the score under which the vision expert says normal: threshold × (1 − uncertainty
    /// band)) with the calibration's leave-one-out scores below the same cut, so both
    /// samples are truncated alike. Returns nil when no score is below the cut. Drift is
    /// flagged when there are at least `minimumNormalScores` normal scores, at least
    /// `minimumCalibrationScores` calibration scores below the cut, and the two-sample
    /// Kolmogorov–Smirnov test gives p < 0.01; otherwise the message says what is missing.
    public static func measure(scores: [Double], calibration: Calibration, normalCut: Double) -> ScoreDrift? {
        let normalScores = scores.filter { $0 < normalCut }
        guard !normalScores.isEmpty else { return nil }
        let reference = calibration.scores.filter { $0 < normalCut }
        let normalMedian = median(normalScores)
        guard reference.count >= minimumCalibrationScores else {
            return ScoreDrift(normalScores: normalScores.count, calibrationScores: reference.count, ksStatistic: nil, pValue: nil,
                              normalMedian: normalMedian, calibrationMedian: reference.isEmpty ? nil : median(reference), medianShift: nil,
                              drifted: false,
                              message: "not judged: only \(reference.count) of the calibration's \(calibration.scores.count) leave-one-out scores are "
                                + "below the normal cut \(String(format: "%.3f", normalCut)) (\(minimumCalibrationScores) needed); ingest more golden samples and recalibrate")
        }
        let statistic = kolmogorovSmirnov(normalScores, reference)
        let p = kolmogorovSmirnovPValue(statistic, normalScores.count, reference.count)
        let calibrationMedian = median(reference)
        let shift = calibrationMedian > 0 ? normalMedian / calibrationMedian - 1 : 0
        let enough = normalScores.count >= minimumNormalScores
        let drifted = enough && p < significance
        let figures = "KS D \(String(format: "%.2f", statistic)), p \(p < 0.001 ? "< 0.001" : String(format: "%.3f", p)); median "
            + "\(String(format: "%.3f", normalMedian)) against calibration's \(String(format: "%.3f", calibrationMedian)), \(String(format: "%+.0f", shift * 100)) %"
        let message: String
        if !enough {
            message = "not judged: too few normal verdicts (\(normalScores.count) < \(minimumNormalScores)) to judge drift (\(figures))"
        } else if drifted {
            message = "detected: the \(normalScores.count) normal scores no longer match calibration (\(figures)); check the camera, "
                + "lighting and product before trusting verdicts, and if the change is intended ingest new golden samples and recalibrate"
        } else {
            message = "none: the \(normalScores.count) normal scores match calibration (\(figures))"
        }
        return ScoreDrift(normalScores: normalScores.count, calibrationScores: reference.count, ksStatistic: statistic, pValue: p,
                          normalMedian: normalMedian, calibrationMedian: calibrationMedian, medianShift: shift,
                          drifted: drifted, message: message)
    }

    /// The drift of a category's recent normal verdicts (all runs since its calibration,
    /// newest `limit`), or nil when it has no current-scoring calibration or no normal
    /// verdicts since. What `stats` and the service's metrics show.
    public static func recent(in store: ReferenceStore, category: String, limit: Int = 500,
                              configuration: VisionExpert.Configuration = .init()) throws(StoreError) -> ScoreDrift? {
        guard let calibration = try store.calibration(of: category),
              VisionExpert.Configuration.imageScore(ofScoring: calibration.scoring) != nil else { return nil }
        let cut = normalCut(calibration, configuration)
        return measure(scores: try store.scores(of: category, since: calibration.computedAt, below: cut, limit: limit),
                       calibration: calibration, normalCut: cut)
    }

    /// `statistics` with each category's recent score drift filled in (`recent`).
    public static func annotating(_ statistics: [CategoryStatistics], in store: ReferenceStore) throws(StoreError) -> [CategoryStatistics] {
        var annotated = statistics
        for index in annotated.indices {
            annotated[index].scoreDrift = try recent(in: store, category: annotated[index].name)
        }
        return annotated
    }

    /// The score under which the expert says normal.
    static func normalCut(_ calibration: Calibration, _ configuration: VisionExpert.Configuration) -> Double {
        calibration.threshold * Double(1 - configuration.uncertaintyBand)
    }

    /// The largest gap between the empirical distribution functions of `a` and `b`.
    static func kolmogorovSmirnov(_ a: [Double], _ b: [Double]) -> Double {
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, gap = 0.0
        while i < x.count, j < y.count {
            let value = min(x[i], y[j])
            while i < x.count, x[i] <= value { i += 1 }
            while j < y.count, y[j] <= value { j += 1 }
            gap = max(gap, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return gap
    }

    /// The asymptotic two-sided p-value of a two-sample KS statistic (Stephens'
    /// small-sample correction of λ, then the Kolmogorov distribution's tail series).
    static func kolmogorovSmirnovPValue(_ statistic: Double, _ n: Int, _ m: Int) -> Double {
        let effective = (Double(n) * Double(m) / Double(n + m)).squareRoot()
        let lambda = (effective + 0.12 + 0.11 / effective) * statistic
        guard lambda >= 0.2 else { return 1 }
        var sum = 0.0, sign = 1.0
        for j in 1...100 {
            let term = sign * exp(-2 * Double(j * j) * lambda * lambda)
            sum += term
            if abs(term) < 1e-12 { break }
            sign = -sign
        }
        return min(1, max(0, 2 * sum))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
