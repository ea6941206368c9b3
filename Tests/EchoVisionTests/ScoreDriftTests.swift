import EchoImaging
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("Score drift")
struct ScoreDriftTests {
    static func calibration(_ scores: [Double], threshold: Double) -> Calibration {
        Calibration(category: "cat", referenceSetVersion: 1, threshold: threshold, method: "test", neighbours: 3, scores: scores,
                    computedAt: "2026-01-01T00:00:00Z", scoring: VisionExpert.Configuration.scoringID(.maximum))
    }

    @Test("the KS statistic is the largest gap between the empirical distribution functions")
    func statistic() {
        #expect(ScoreDrift.kolmogorovSmirnov([1, 2, 3], [1, 2, 3]) == 0)
        #expect(ScoreDrift.kolmogorovSmirnov([1, 2, 3], [4, 5, 6]) == 1)
        // F_a jumps to 2/4 at 2 while F_b is 1/4 there; at 3: 3/4 vs 1/4 → 0.5.
        #expect(abs(ScoreDrift.kolmogorovSmirnov([1, 2, 2.5, 9], [1.5, 3.5, 4, 5]) - 0.5) < 1e-12)
        // Ties count on both sides at once.
        #expect(abs(ScoreDrift.kolmogorovSmirnov([1, 1, 2], [1, 2, 2]) - 1.0 / 3) < 1e-12)
    }

    @Test("the p-value follows the Kolmogorov distribution")
    func pValue() {
        // λ = (√ne + 0.12 + 0.11/√ne) · D with ne = n m / (n + m); Q(1.3581) = 0.05, Q(1.6276) = 0.01.
        func statistic(lambda: Double, _ n: Int, _ m: Int) -> Double {
            let ne = (Double(n * m) / Double(n + m)).squareRoot()
            return lambda / (ne + 0.12 + 0.11 / ne)
        }
        #expect(abs(ScoreDrift.kolmogorovSmirnovPValue(statistic(lambda: 1.3581, 1000, 1000), 1000, 1000) - 0.05) < 1e-4)
        #expect(abs(ScoreDrift.kolmogorovSmirnovPValue(statistic(lambda: 1.6276, 40, 200), 40, 200) - 0.01) < 1e-4)
        #expect(ScoreDrift.kolmogorovSmirnovPValue(0, 50, 50) == 1)
        #expect(ScoreDrift.kolmogorovSmirnovPValue(1, 50, 50) < 1e-9)
    }

    @Test("normal scores like the calibration's show no drift; shifted ones do; few are not judged")
    func verdicts() throws {
        var generator = SeededGenerator(seed: 7)
        func normal(_ count: Int, mean: Double) -> [Double] {
            (0..<count).map { _ in
                let u = Double.random(in: 0.0001..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
                return mean + 0.05 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            }
        }
        let calibration = Self.calibration(normal(200, mean: 1.0), threshold: 1.2)
        let steady = try #require(ScoreDrift.measure(scores: normal(150, mean: 1.0), calibration: calibration, normalCut: 1.08))
        #expect(!steady.drifted)
        #expect(try #require(steady.pValue) > 0.01)
        #expect(steady.message.hasPrefix("none:"))
        let shifted = try #require(ScoreDrift.measure(scores: normal(150, mean: 1.04), calibration: calibration, normalCut: 1.08))
        #expect(shifted.drifted)
        #expect(try #require(shifted.medianShift) > 0.02)
        #expect(shifted.message.hasPrefix("detected:"))
        #expect(shifted.message.contains("recalibrate"))
        let few = try #require(ScoreDrift.measure(scores: normal(10, mean: 0.98), calibration: calibration, normalCut: 1.2))
        #expect(!few.drifted)
        #expect(few.message.hasPrefix("not judged: too few normal verdicts (10 < 20)"))
        // Only scores under the cut on both sides are compared.
        let run = normal(150, mean: 1.0)
        let clean = try #require(ScoreDrift.measure(scores: run, calibration: calibration, normalCut: 1.08))
        let withDefects = try #require(ScoreDrift.measure(scores: run + [5, 6, 7], calibration: calibration, normalCut: 1.08))
        #expect(withDefects == clean)
        #expect(withDefects.calibrationScores == calibration.scores.filter { $0 < 1.08 }.count)
        #expect(ScoreDrift.measure(scores: [5, 6], calibration: calibration, normalCut: 1.08) == nil)
        // A calibration with too few scores under the cut cannot be compared with.
        let sparse = Self.calibration([0.95, 1.0, 1.05] + Array(repeating: 1.5, count: 20), threshold: 1.6)
        let thin = try #require(ScoreDrift.measure(scores: run, calibration: sparse, normalCut: 1.08))
        #expect(thin.ksStatistic == nil && !thin.drifted)
        #expect(thin.message.hasPrefix("not judged: only 3 of the calibration's 23 leave-one-out scores are below the normal cut 1.080"), "\(thin.message)")
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
        #expect(drift.message.hasPrefix("not judged: "))
        #expect(try store.drift(ofRun: report.runID) == drift)
        let html = try String(contentsOfFile: try #require(report.reportPath), encoding: .utf8)
        #expect(html.contains("Score drift: not judged"))
        let recent = try #require(try ScoreDrift.recent(in: store, category: "cat"))
        #expect(recent == drift)
        let statistics = try ScoreDrift.annotating(try store.statistics(category: "cat"), in: store)
        #expect(statistics.first?.scoreDrift == recent)
    }
}
