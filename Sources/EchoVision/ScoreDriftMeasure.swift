import EchoStore
import Foundation

extension ScoreDrift {
    /// Run values (normal-verdict scores, or background levels) needed before a comparison
    /// is judged; fewer say so and never flag. Kept low on purpose: a strong change (a
    /// rotated camera on ELPV cells) leaves few images judged normal, and those few are
    /// far from the calibration (D⁺ 0.93 for 9 images, p ≈ 1e-7); the p-value, not the
    /// count, guards against chance.
    public static let minimumNormalScores = 8
    /// Images needed before the background levels are compared. Higher than for normal
    /// scores: a handful of good parts from one batch can differ from the golden set as a
    /// whole (`make demo`'s 12 held-out ELPV cells, from the first modules, sit 22 % above
    /// it, p 0.002), which is not a change of the line. Across runs (`recent`) the newest
    /// 500 results are compared, so small runs are still judged together.
    public static let minimumBackgroundImages = 20
    /// The p-value below which the distributions are said to differ.
    public static let significance = 0.01

    /// Calibration scores below the cut (or golden background levels) needed to compare with.
    public static let minimumCalibrationScores = 5

    /// One two-sample comparison: the KS statistic and p-value, or why it was not judged.
    struct Comparison {
        var statistic: Double?
        var p: Double?
        var reason: String?
        var significant: Bool { p.map { $0 < significance } ?? false }

        init(_ sample: [Double], _ reference: [Double], minimum: Int, what: String, referenceWhat: String) {
            if sample.count < minimum {
                reason = "too few \(what) (\(sample.count) < \(minimum))"
            } else if reference.count < minimumCalibrationScores {
                reason = "only \(reference.count) \(referenceWhat) (\(minimumCalibrationScores) needed; ingest more golden samples and recalibrate)"
            }
            guard !sample.isEmpty, !reference.isEmpty else { return }
            let gap = upwardShift(sample, from: reference)
            statistic = gap
            p = reason == nil ? upwardShiftPValue(gap, sample.count, reference.count) : nil
        }

        func describe(_ name: String, median: Double?, against reference: Double?) -> String {
            var parts = [name]
            if let statistic { parts.append("KS D⁺ \(String(format: "%.2f", statistic))") }
            if let p { parts.append("p \(p < 0.001 ? "< 0.001" : String(format: "%.3f", p))") }
            if let median, let reference {
                parts.append("median \(String(format: "%.3f", median)) against \(String(format: "%.3f", reference))"
                             + (reference > 0 ? ", \(String(format: "%+.0f", (median / reference - 1) * 100)) %" : ""))
            }
            if let reason { parts.append("not judged: \(reason)") }
            return parts.joined(separator: ", ")
        }
    }

    /// Compares a run with its calibration: the scores below `normalCut` (the score under
    /// which the vision expert says normal: threshold × (1 − uncertainty band)) with the
    /// calibration's scores below the same cut, and the background levels of the images
    /// not judged anomalous (score below `anomalousLine`, threshold × (1 + band)) with the
    /// golden samples' leave-one-out levels below the same line. Anomalous images are left
    /// out of the background so that a run with many defects is not mistaken for drift;
    /// a change so strong that every image is anomalous is plain from the verdicts. Each
    /// comparison needs `minimumNormalScores` (background: `minimumBackgroundImages`) run
    /// values and `minimumCalibrationScores` reference values; drift is flagged when
    /// either has moved up with p < 0.01
    /// (one-sided two-sample Kolmogorov–Smirnov, `upwardShift`). Returns nil for a run
    /// without scores.
    public static func measure(results: [(score: Double, background: Double?)], calibration: Calibration, normalCut: Double,
                               anomalousLine: Double) -> ScoreDrift? {
        guard !results.isEmpty else { return nil }
        let scores = results.map(\.score)
        let normalScores = scores.filter { $0 < normalCut }
        let reference = calibration.scores.filter { $0 < normalCut }
        let backgrounds = results.filter { $0.score < anomalousLine }.compactMap(\.background)
        let goldenBackgrounds = calibration.backgrounds.count == calibration.scores.count
            ? zip(calibration.scores, calibration.backgrounds).filter { $0.0 < anomalousLine }.map(\.1) : []
        let normal = Comparison(normalScores, reference, minimum: minimumNormalScores, what: "normal verdicts",
                                referenceWhat: "of the calibration's \(calibration.scores.count) leave-one-out scores below the normal cut \(String(format: "%.3f", normalCut))")
        let background = Comparison(backgrounds, goldenBackgrounds, minimum: minimumBackgroundImages,
                                    what: "background levels of images not judged anomalous",
                                    referenceWhat: "golden background levels (the calibration predates them; recalibrate)")
        let normalMedian = normalScores.isEmpty ? nil : median(normalScores)
        let calibrationMedian = reference.isEmpty ? nil : median(reference)
        let backgroundMedian = backgrounds.isEmpty ? nil : median(backgrounds)
        let calibrationBackgroundMedian = goldenBackgrounds.isEmpty ? nil : median(goldenBackgrounds)
        let normalShare = Double(normalScores.count) / Double(scores.count)
        let calibrationShare = Double(reference.count) / Double(max(1, calibration.scores.count))
        let drifted = normal.significant || background.significant
        let details = normal.describe("normal scores", median: normalMedian, against: calibrationMedian) + "; "
            + background.describe("background level", median: backgroundMedian, against: calibrationBackgroundMedian) + "; "
            + "\(percent(normalShare)) of the images judged normal, against \(percent(calibrationShare)) of the golden samples"
        let message: String
        if drifted {
            let which = [normal.significant ? "the normal scores" : nil, background.significant ? "the background level" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            message = "detected: \(which) no longer match\(which.contains(" and ") ? "" : "es") calibration (\(details)); check the camera, "
                + "lighting and product before trusting verdicts"
                + (background.significant ? " (many borderline defects raise the background level too)" : "")
                + ", and if the change is intended ingest new golden samples and recalibrate"
        } else if normal.p == nil, background.p == nil {
            message = "not judged (\(details))"
        } else {
            message = "none (\(details))"
        }
        return ScoreDrift(normalScores: normalScores.count, calibrationScores: reference.count, ksStatistic: normal.statistic, pValue: normal.p,
                          normalMedian: normalMedian, calibrationMedian: calibrationMedian,
                          medianShift: normalMedian.flatMap { n in calibrationMedian.flatMap { $0 > 0 ? n / $0 - 1 : nil } },
                          normalShare: normalShare, calibrationNormalShare: calibrationShare,
                          backgroundImages: backgrounds.count, calibrationBackgrounds: goldenBackgrounds.count,
                          backgroundKSStatistic: background.statistic, backgroundPValue: background.p,
                          backgroundMedian: backgroundMedian, calibrationBackgroundMedian: calibrationBackgroundMedian,
                          drifted: drifted, message: message)
    }

    /// The drift of a category's recent normal verdicts (all runs since its calibration,
    /// newest `limit`), or nil when it has no current-scoring calibration or no normal
    /// verdicts since. What `stats` and the service's metrics show.
    public static func recent(in store: ReferenceStore, category: String, limit: Int = 500,
                              configuration: VisionExpert.Configuration = .init()) throws(StoreError) -> ScoreDrift? {
        guard let calibration = try store.calibration(of: category),
              VisionExpert.Configuration.imageScore(ofScoring: calibration.scoring) != nil else { return nil }
        return measure(results: try store.recentScores(of: category, since: calibration.computedAt, limit: limit), calibration: calibration,
                       normalCut: normalCut(calibration, configuration), anomalousLine: anomalousLine(calibration, configuration))
    }

    /// `statistics` with each category's recent score drift filled in (`recent`).
    public static func annotating(_ statistics: [CategoryStatistics], in store: ReferenceStore) throws(StoreError) -> [CategoryStatistics] {
        var annotated = statistics
        for index in annotated.indices {
            annotated[index].scoreDrift = try recent(in: store, category: annotated[index].name)
        }
        return annotated
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded())) %" }

    /// The score from which the expert says anomalous.
    static func anomalousLine(_ calibration: Calibration, _ configuration: VisionExpert.Configuration) -> Double {
        calibration.threshold * Double(1 + configuration.uncertaintyBand)
    }

    /// The score under which the expert says normal.
    static func normalCut(_ calibration: Calibration, _ configuration: VisionExpert.Configuration) -> Double {
        calibration.threshold * Double(1 - configuration.uncertaintyBand)
    }

    /// The one-sided two-sample Kolmogorov–Smirnov statistic D⁺: the largest amount by
    /// which the reference's empirical distribution function lies above the sample's,
    /// that is how far the sample has moved to *higher* values. One-sided because rising
    /// scores are what cause false alarms, and because new parts score slightly *below*
    /// the golden samples' leave-one-out scores by construction (a query's nearest golden
    /// samples include its closest matches; a golden sample's exclude itself): on ELPV's
    /// tune split an unchanged line gave a two-sided p of 0.003.
    static func upwardShift(_ sample: [Double], from reference: [Double]) -> Double {
        let x = sample.sorted(), y = reference.sorted()
        var i = 0, j = 0, gap = 0.0
        while i < x.count, j < y.count {
            let value = min(x[i], y[j])
            while i < x.count, x[i] <= value { i += 1 }
            while j < y.count, y[j] <= value { j += 1 }
            gap = max(gap, Double(j) / Double(y.count) - Double(i) / Double(x.count))
        }
        return gap
    }

    /// The asymptotic p-value of a one-sided two-sample KS statistic: exp(−2λ²), with
    /// Stephens' small-sample correction of λ.
    static func upwardShiftPValue(_ statistic: Double, _ n: Int, _ m: Int) -> Double {
        let effective = (Double(n) * Double(m) / Double(n + m)).squareRoot()
        let lambda = (effective + 0.12 + 0.11 / effective) * statistic
        return min(1, exp(-2 * lambda * lambda))
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
