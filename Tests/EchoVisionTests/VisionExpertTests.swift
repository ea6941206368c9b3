import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("The vision expert")
struct VisionExpertTests {
    @Test("a painted scratch raises the score, and the heatmap peaks inside it")
    func paintedDefectDetectedAndLocated() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        let expert = VisionExpert(store: store, embedder: embedder)
        let clean = try VisionFixture.crop(dx: 5, dy: 4)
        let box = (x0: 120, y0: 120, x1: 180, y1: 180)
        let defective = try VisionFixture.scratched(clean, box: box)
        let cleanResult = try expert.inspect(clean, category: "cat")
        let defectResult = try expert.inspect(defective, category: "cat")
        #expect(defectResult.score > cleanResult.score * 1.3, "defect \(defectResult.score) vs clean \(cleanResult.score)")
        // The peak cell of the 28×28 map, in image pixels, lies inside the scratch's box (± one cell).
        let (px, py) = defectResult.anomalyMap.peak
        let cell = 200.0 / 28.0
        let x = (Double(px) + 0.5) * cell, y = (Double(py) + 0.5) * cell
        #expect(x >= Double(box.x0) - cell && x <= Double(box.x1) + cell && y >= Double(box.y0) - cell && y <= Double(box.y1) + cell,
                "peak at (\(x), \(y))")
        #expect(defectResult.region == "bottom right")
        #expect(defectResult.references.count == 3)
    }

    @Test("after calibration a golden sample is normal and a painted defect is not")
    func calibratedVerdicts() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        let expert = VisionExpert(store: store, embedder: embedder)
        let calibration = try expert.calibrate(category: "cat")
        #expect(calibration.scores.count == 8)
        #expect(calibration.threshold >= calibration.scores.sorted()[6])
        let golden = try ImageDecoder().decodeFile(atPath: directory.path + "/golden/0.png")
        let goldenResult = try expert.inspect(golden, category: "cat")
        #expect(goldenResult.verdict == .normal)
        #expect(Double(goldenResult.score) < calibration.threshold)
        let defective = try VisionFixture.scratched(try VisionFixture.crop(dx: 5, dy: 4), box: (20, 20, 110, 110))
        let defectResult = try expert.inspect(defective, category: "cat")
        #expect(defectResult.verdict == .anomalous, "score \(defectResult.score), threshold \(calibration.threshold)")
        #expect(defectResult.explanation.contains("Anomalous"))
    }

    @Test("calibration is deterministic")
    func calibrationDeterministic() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 5)
        let expert = VisionExpert(store: store, embedder: embedder)
        let first = try expert.calibrate(category: "cat", concurrency: 2)
        let second = try expert.calibrate(category: "cat", concurrency: 1)
        #expect(first.scores == second.scores)
        #expect(first.threshold == second.threshold)
        #expect(try store.calibration(of: "cat")?.threshold == second.threshold)
    }

    @Test("one golden sample: inspection scores without a verdict, calibration explains what is missing")
    func singleReference() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 1)
        let expert = VisionExpert(store: store, embedder: embedder)
        let result = try expert.inspect(try VisionFixture.crop(dx: 2, dy: 2), category: "cat")
        #expect(result.verdict == .uncalibrated)
        #expect(result.references.count == 1)
        #expect(performing: { _ = try expert.calibrate(category: "cat") }, throws: { error in
            guard case .references(let message)? = error as? ReferenceExtractorError else { return false }
            return message.contains("at least 2")
        })
    }

    @Test("an empty category is a clear error")
    func emptyCategory() throws {
        let directory = try TemporaryDirectory()
        let embedder = try VisionFixture.embedder.get()
        let store = try ReferenceStore(directory: directory.path, logger: VisionFixture.logger)
        _ = try store.ensureCategory("empty", embedder: embedder.identity)
        #expect(performing: { _ = try VisionExpert(store: store, embedder: embedder).inspect(try VisionFixture.crop(dx: 0, dy: 0), category: "empty") },
                throws: { error in
                    guard case .references(let message)? = error as? ReferenceExtractorError else { return false }
                    return message.contains("no golden samples")
                })
    }

    @Test("a run is recorded and its report holds valid HTML and PNG files")
    func runAndReport() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        let expert = VisionExpert(store: store, embedder: embedder)
        _ = try expert.calibrate(category: "cat")
        let inbox = directory.path + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try ImageEncoder.writePNG(try VisionFixture.crop(dx: 4, dy: 5), toPath: inbox + "/a-clean.png")
        try ImageEncoder.writePNG(try VisionFixture.scratched(try VisionFixture.crop(dx: 4, dy: 5), box: (20, 20, 110, 110)), toPath: inbox + "/b-scratch.png")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: inbox + "/c-broken.png"))
        let reportDirectory = directory.path + "/report"
        let report = try InspectionRunner(expert: expert, logger: VisionFixture.logger)
            .run([inbox], category: "cat", reportDirectory: reportDirectory, concurrency: 2)
        #expect(report.images.count == 3)
        #expect(report.failed == 1)
        #expect(report.images[1].result?.verdict == .anomalous)
        let recorded = try store.results(ofRun: report.runID)
        #expect(recorded.map(\.verdict) == ["normal", "anomalous", "failed"] || recorded.map(\.verdict) == ["uncertain", "anomalous", "failed"])
        let html = try String(contentsOfFile: try #require(report.reportPath), encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>") && html.contains("</table></body></html>"))
        #expect(html.contains("images/0002-overlay.png") && html.contains("c-broken.png"))
        for name in ["0001-query.png", "0001-overlay.png", "0001-normal.png", "0002-overlay.png"] {
            let image = try ImageDecoder().decodeFile(atPath: "\(reportDirectory)/images/\(name)")
            #expect(image.width > 0)
        }
    }
}
