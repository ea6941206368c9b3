import EchoImaging
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("Score drift")
struct ScoreDriftTests {
    static func calibration(_ scores: [Double], threshold: Double) -> Calibration {
        Calibration(category: "cat", referenceSetVersion: 1, threshold: threshold, method: "test", neighbours: 3, scores: scores,
                    computedAt: "2026-01-01T00:00:00Z", scoring: VisionExpert.Configuration.scoringID(.maximum),
                    backgrounds: scores.map { $0 / 2 })
    }

    @Test("the one-sided KS statistic is how far the sample's distribution lies above the reference's")
    func statistic() {
        #expect(ScoreDrift.upwardShift([1, 2, 3], from: [1, 2, 3]) == 0)
        #expect(ScoreDrift.upwardShift([4, 5, 6], from: [1, 2, 3]) == 1)
        #expect(ScoreDrift.upwardShift([1, 2, 3], from: [4, 5, 6]) == 0, "a lower sample has not moved up")
        // At 4 the reference's EDF is 1 and the sample's 1/4 → 0.75.
        #expect(abs(ScoreDrift.upwardShift([1.5, 4.5, 5, 6], from: [1, 2, 3, 4]) - 0.75) < 1e-12)
        // Ties count on both sides at once: at 1, 2/3 against 1/3.
        #expect(abs(ScoreDrift.upwardShift([1, 2, 2], from: [1, 1, 2]) - 1.0 / 3) < 1e-12)
    }

    @Test("the p-value is exp(−2λ²) with Stephens' correction")
    func pValue() {
        func statistic(lambda: Double, _ n: Int, _ m: Int) -> Double {
            let ne = (Double(n * m) / Double(n + m)).squareRoot()
            return lambda / (ne + 0.12 + 0.11 / ne)
        }
        // exp(−2λ²) = 0.05 at λ = 1.2239, 0.01 at λ = 1.5174.
        #expect(abs(ScoreDrift.upwardShiftPValue(statistic(lambda: 1.2239, 1000, 1000), 1000, 1000) - 0.05) < 1e-4)
        #expect(abs(ScoreDrift.upwardShiftPValue(statistic(lambda: 1.5174, 40, 200), 40, 200) - 0.01) < 1e-4)
        #expect(ScoreDrift.upwardShiftPValue(0, 50, 50) == 1)
        #expect(ScoreDrift.upwardShiftPValue(1, 50, 50) < 1e-9)
    }

    @Test("scores like the calibration's show no drift; shifted ones or a raised background do; a lot of local defects does not; few are not judged")
    func verdicts() throws {
        var generator = SeededGenerator(seed: 7)
        func normal(_ count: Int, mean: Double) -> [Double] {
            (0..<count).map { _ in
                let u = Double.random(in: 0.0001..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
                return mean + 0.05 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            }
        }
        let calibration = Self.calibration(normal(200, mean: 1.0), threshold: 1.2)
        func measure(_ scores: [Double], backgrounds: [Double]? = nil, calibration: Calibration? = nil, cut: Double = 1.08) throws -> ScoreDrift {
            let levels = backgrounds ?? scores.map { $0 / 2 }
            return try #require(ScoreDrift.measure(results: zip(scores, levels).map { (score: $0, background: $1) },
                                                   calibration: calibration ?? Self.calibration(calibrationScores, threshold: 1.2),
                                                   normalCut: cut, anomalousLine: 1.32))
        }
        let calibrationScores = calibration.scores
        let run = normal(150, mean: 1.0)
        let steady = try measure(run)
        #expect(!steady.drifted)
        #expect(try #require(steady.pValue) > 0.01 && (try #require(steady.backgroundPValue)) > 0.01)
        #expect(steady.message.hasPrefix("none (normal scores, KS D⁺"))
        let shifted = try measure(normal(150, mean: 1.04))
        #expect(shifted.drifted)
        #expect(try #require(shifted.medianShift) > 0.02)
        #expect(shifted.message.hasPrefix("detected: the normal scores and the background level no longer match calibration"))
        #expect(shifted.message.contains("recalibrate"))
        // Light that pushes every image over the normal cut (into the uncertain band): no
        // normal scores left, the background speaks.
        let over = try measure(normal(150, mean: 1.2), backgrounds: normal(150, mean: 0.6))
        #expect(over.normalScores < 8 && over.pValue == nil)
        #expect(over.drifted && over.message.hasPrefix("detected: the background level no longer matches calibration"))
        // A lot full of local defects: scores high, background unchanged, nothing flagged.
        let defects = try measure(normal(150, mean: 1.2), backgrounds: normal(150, mean: 1.0).map { $0 / 2 })
        #expect(!defects.drifted && defects.normalShare < 0.1)
        #expect(defects.message.hasPrefix("none ("), "\(defects.message)")
        // Anomalous images are left out of the background: a run of defects whose whole
        // map is raised is not drift.
        let anomalous = try measure(run + normal(100, mean: 3), backgrounds: run.map { $0 / 2 } + normal(100, mean: 3))
        #expect(!anomalous.drifted && anomalous.backgroundImages == 150)
        let few = try measure(normal(6, mean: 1.2), cut: 2)
        #expect(!few.drifted, "D \(few.ksStatistic ?? 0), p \(few.pValue ?? 1)")
        #expect(few.message.hasPrefix("not judged (normal scores, KS D⁺"))
        // Scores that fell are not drift in the sense that matters (false alarms).
        let lower = try measure(normal(150, mean: 0.9))
        #expect(!lower.drifted && (lower.ksStatistic ?? 1) < 0.1)
        #expect(few.message.contains("not judged: too few normal verdicts (6 < 8)")
                && few.message.contains("too few background levels of images not judged anomalous (6 < 20)"))
        // Only scores under the cut on both sides are compared; the background takes every image.
        let withDefects = try measure(run + [5, 6, 7], backgrounds: run.map { $0 / 2 } + [0.5, 0.5, 0.5])
        #expect(withDefects.ksStatistic == steady.ksStatistic && withDefects.normalScores == steady.normalScores)
        #expect(withDefects.backgroundImages == 150, "the three defects are anomalous")
        #expect(abs(withDefects.normalShare - Double(steady.normalScores) / 153) < 1e-12)
        #expect(steady.calibrationNormalShare == Double(calibrationScores.filter { $0 < 1.08 }.count) / 200)
        #expect(withDefects.message.contains("% of the images judged normal, against"))
        #expect(ScoreDrift.measure(results: [], calibration: calibration, normalCut: 1.08, anomalousLine: 1.32) == nil)
        // A calibration with too few scores under the cut, and no background levels (made before them).
        let sparse = Calibration(category: "cat", referenceSetVersion: 1, threshold: 1.6, method: "test", neighbours: 3,
                                 scores: [0.95, 1.0, 1.05] + Array(repeating: 1.5, count: 20), computedAt: "2026-01-01T00:00:00Z",
                                 scoring: VisionExpert.Configuration.scoringID(.maximum))
        let thin = try measure(run, calibration: sparse)
        #expect(thin.pValue == nil && thin.backgroundPValue == nil && !thin.drifted)
        #expect(thin.message.contains("not judged: only 3 of the calibration's 23 leave-one-out scores below the normal cut 1.080"), "\(thin.message)")
        #expect(thin.message.contains("only 0 golden background levels (the calibration predates them"))
    }

    @Test("a run records its drift against the calibration, and the report and recent drift show it")
    func runRecordsDrift() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 8)
        let expert = VisionExpert(store: store, embedder: embedder)
        let calibration = try expert.calibrate(category: "cat")
        let images = directory.path + "/queries"
        try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
        for i in 0..<4 { try ImageEncoder.writePNG(try VisionFixture.crop(dx: 1 + i * 3, dy: 4), toPath: "\(images)/\(i).png") }
        let runner = InspectionRunner(expert: expert, logger: VisionFixture.logger)
        let report = try runner.run([images], category: "cat", reportDirectory: directory.path + "/report", concurrency: 2)
        let drift = try #require(report.drift)
        let cut = calibration.threshold * 0.9
        let expected = report.images.compactMap { $0.result?.score }.map(Double.init).filter { $0 < cut }
        #expect(drift.normalScores == expected.count)
        let line = calibration.threshold * 1.1
        #expect(drift.backgroundImages == report.images.filter { Double($0.result!.score) < line }.count)
        #expect(drift.calibrationBackgrounds == calibration.scores.filter { $0 < line }.count)
        #expect(calibration.backgrounds.count == 8)
        #expect(drift.message.hasPrefix("not judged ("))
        #expect(try store.drift(ofRun: report.runID) == drift)
        let html = try String(contentsOfFile: try #require(report.reportPath), encoding: .utf8)
        #expect(html.contains("Score drift: not judged ("))
        #expect(try store.results(ofRun: report.runID).map(\.background) == report.images.map { $0.result.map { Double($0.background) } })
        let recent = try #require(try ScoreDrift.recent(in: store, category: "cat"))
        #expect(recent == drift)
        let statistics = try ScoreDrift.annotating(try store.statistics(category: "cat"), in: store)
        #expect(statistics.first?.scoreDrift == recent)
    }
}
