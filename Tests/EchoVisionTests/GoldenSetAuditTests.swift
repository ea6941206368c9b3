import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("The golden-set audit")
struct GoldenSetAuditTests {
    /// The golden store of `VisionFixture` with one scratched crop slipped in as a "normal".
    static func contaminatedStore(_ directory: TemporaryDirectory) throws -> (ReferenceStore, VisionExpert, contaminant: Int64) {
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 12)
        let path = directory.path + "/contaminant.png"
        try ImageEncoder.writePNG(try VisionFixture.scratched(try VisionFixture.crop(dx: 4, dy: 2), box: (30, 30, 120, 120)), toPath: path)
        let report = try Ingestor(store: store, embedder: embedder, logger: VisionFixture.logger).ingest([path], options: .init(category: "cat"))
        let id = try #require(report.files.first?.id)
        return (store, VisionExpert(store: store, embedder: embedder), id)
    }

    @Test("a defective image among the golden samples is the one outlier, scored far above the rest")
    func contaminantIsTheOutlier() throws {
        let directory = try TemporaryDirectory()
        let (_, expert, contaminant) = try Self.contaminatedStore(directory)
        let audit = try expert.audit(category: "cat")
        #expect(audit.entries.count == 13)
        #expect(audit.outliers.map(\.reference.id) == [contaminant])
        #expect(audit.entries.first?.reference.id == contaminant, "highest score first")
        let top = try #require(audit.entries.first)
        #expect(top.robustZ > audit.cutoff)
        #expect(audit.entries.dropFirst().allSatisfy { $0.robustZ <= audit.cutoff })
        // The scores are calibration's: same scoring, same leave-one-out.
        let calibration = try expert.calibrate(category: "cat")
        #expect(calibration.scores.map { Float($0) }.sorted() == audit.entries.map(\.score).sorted())
    }

    @Test("excluding the outliers lowers the threshold, keeps them as references, and readmitting restores it")
    func excludeAndReadmit() throws {
        let directory = try TemporaryDirectory()
        let (store, expert, contaminant) = try Self.contaminatedStore(directory)
        var settings = VisionExpert.Configuration()
        settings.thresholdQuantile = 1.0
        let strict = VisionExpert(store: store, embedder: expert.extractor.embedder, configuration: settings)
        let before = try strict.calibrate(category: "cat")
        let audit = try strict.audit(category: "cat")
        let after = try strict.excludeOutliers(of: audit)
        #expect(after.scores.count == 12)
        #expect(after.threshold < before.threshold * 0.8, "\(after.threshold) vs \(before.threshold)")
        #expect(after.method.contains("1 golden sample excluded by an audit"))
        let exclusions = try store.calibrationExclusions(in: "cat")
        #expect(exclusions[contaminant]?.reason.hasPrefix("audit: leave-one-out score") == true)
        #expect(try store.list(category: "cat").contains { $0.id == contaminant }, "still a reference")
        #expect(try strict.audit(category: "cat").outliers.first?.exclusion != nil)
        let restored = try strict.readmit([contaminant], category: "cat")
        #expect(restored.threshold == before.threshold)
        #expect(try store.calibrationExclusions(in: "cat").isEmpty)
    }

    @Test("an audit needs five golden samples and says so")
    func tooFewSamples() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 4)
        #expect {
            try VisionExpert(store: store, embedder: embedder).audit(category: "cat")
        } throws: { ($0 as? ReferenceExtractorError)?.description.contains("at least 5 golden samples (it has 4)") == true }
    }

    @Test("ingest screening flags a new defective golden sample against the calibration and passes a clean one")
    func screeningNewSamples() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 12)
        let expert = VisionExpert(store: store, embedder: embedder)
        let ingestor = Ingestor(store: store, embedder: embedder, logger: VisionFixture.logger)
        let uncalibrated = try expert.screen([1], category: "cat")
        #expect(uncalibrated.screened == 0)
        #expect(uncalibrated.skipped?.contains("echoctl calibrate") == true)
        _ = try expert.calibrate(category: "cat")
        let clean = directory.path + "/clean.png", defective = directory.path + "/defective.png"
        try ImageEncoder.writePNG(try VisionFixture.crop(dx: 5, dy: 4), toPath: clean)
        try ImageEncoder.writePNG(try VisionFixture.scratched(try VisionFixture.crop(dx: 4, dy: 2), box: (30, 30, 120, 120)), toPath: defective)
        let ids = try ingestor.ingest([clean, defective], options: .init(category: "cat")).files.compactMap(\.id)
        #expect(ids.count == 2)
        let screening = try expert.screen(ids, category: "cat")
        #expect(screening.screened == 2)
        #expect(screening.outliers.map(\.id) == [ids[1]])
        #expect(screening.outliers.first?.message.contains("echoctl remove \(ids[1])") == true)
    }

    @Test("the audit page shows the outlier's image and heatmap and lists every sample")
    func auditPage() throws {
        let directory = try TemporaryDirectory()
        let (_, expert, contaminant) = try Self.contaminatedStore(directory)
        let audit = try expert.audit(category: "cat")
        let path = try AuditReportWriter(directory: directory.path + "/audit", logger: VisionFixture.logger).write(audit)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("1 outlier"))
        #expect(html.contains("#\(contaminant) contaminant.png"))
        let overlay = try ImageDecoder().decodeFile(atPath: directory.path + "/audit/images/0001-overlay.png")
        #expect(overlay.width == 200)
        #expect(html.components(separatedBy: "<tr").count - 1 == 1 + 13, "a header and one row per golden sample")
    }
}
