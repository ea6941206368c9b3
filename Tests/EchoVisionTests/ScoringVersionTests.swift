import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import GRDB
import Testing
@testable import EchoVision

@Suite("Scoring: raw image score, recorded scoring, patch recipe")
struct ScoringVersionTests {
    @Test("the image score is the peak of the raw patch distances; the shown map is smoothed")
    func imageScoreFromRawDistances() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        let expert = VisionExpert(store: store, embedder: embedder)
        let defective = try VisionFixture.scratched(try VisionFixture.crop(dx: 5, dy: 4), box: (120, 120, 150, 150))
        let result = try expert.inspect(defective, category: "cat")
        let raw = try expert.rawScore(try embedder.embed(defective).patches, against: result.references.map(\.id), category: "cat")
        #expect(result.score == raw.maximum)
        #expect(result.anomalyMap == raw.smoothed(sigma: VisionExpert.Configuration().smoothingSigma))
        // Smoothing first would have flattened the peak.
        #expect(result.anomalyMap.maximum < result.score)
    }

    @Test("a top-N calibration is followed by inspection, and its score is the mean of the N largest distances")
    func topMeanFollowsCalibration() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        var settings = VisionExpert.Configuration()
        settings.imageScore = .topMean(5)
        let calibration = try VisionExpert(store: store, embedder: embedder, configuration: settings).calibrate(category: "cat")
        #expect(calibration.scoring == "\(ImageEmbedder.patchRecipe)/top5")
        let expert = VisionExpert(store: store, embedder: embedder)  // no score given: as calibrated
        let image = try VisionFixture.crop(dx: 5, dy: 4)
        let result = try expert.inspect(image, category: "cat")
        #expect(result.verdict != .uncalibrated)
        let raw = try expert.rawScore(try embedder.embed(image).patches, against: result.references.map(\.id), category: "cat")
        let top = raw.values.sorted(by: >).prefix(5)
        #expect(abs(result.score - top.reduce(0, +) / 5) < 1e-5)
        #expect(VisionExpert.ImageScore(id: "top0") == nil && VisionExpert.ImageScore(id: "max") == .maximum
                && VisionExpert.ImageScore(id: "top1") == .maximum && VisionExpert.ImageScore(id: "peak") == nil)
    }

    @Test("a threshold made by older scoring is never used, and the explanation says to recalibrate")
    func olderScoringNotUsed() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory)
        let category = try store.category(named: "cat")
        try store.saveCalibration(Calibration(category: "cat", referenceSetVersion: category.referenceSetVersion, threshold: 0.001,
                                              method: "old", neighbours: 3, scores: [0.001], computedAt: "2026-01-01", scoring: "echo-1"))
        let result = try VisionExpert(store: store, embedder: embedder).inspect(try VisionFixture.crop(dx: 5, dy: 4), category: "cat")
        #expect(result.verdict == .uncalibrated)
        #expect(result.threshold == nil)
        #expect(result.explanation.contains("older scoring (echo-1") && result.explanation.contains("echoctl calibrate"))
    }

    @Test("patch features of an older recipe are refused until reembed re-extracts them from the stored images")
    func olderPatchRecipeReextracted() throws {
        let directory = try TemporaryDirectory()
        let (before, embedder) = try olderStore(directory)
        let reopened = try ReferenceStore(directory: directory.path + "/store", logger: VisionFixture.logger)
        let image = try VisionFixture.crop(dx: 5, dy: 4)
        #expect(throws: ReferenceExtractorError.self) { try VisionExpert(store: reopened, embedder: embedder).inspect(image, category: "cat") }
        do {
            _ = try VisionExpert(store: reopened, embedder: embedder).inspect(image, category: "cat")
        } catch {
            #expect(error.description.contains("echoctl reembed --category cat") && error.description.contains("echo-1"))
        }
        // Queries by the global vector still work: it does not depend on the patch recipe.
        #expect(try ReferenceExtractor(store: reopened, embedder: embedder).nearestNormals(to: image, category: "cat", k: 2).matches.count == 2)
        // Ingesting into it is refused too: it would mix recipes.
        #expect(throws: StoreError.self) { _ = try reopened.ensureCategory("cat", embedder: embedder.identity) }

        let done = try Ingestor(store: reopened, embedder: embedder, logger: VisionFixture.logger).reextractPatches(category: "cat")
        #expect(done.previousRecipe == "echo-1" && done.recipe == ImageEmbedder.patchRecipe && done.references == 8)
        let after = try reopened.category(named: "cat")
        #expect(after.embedder.patchRecipe == ImageEmbedder.patchRecipe)
        #expect(after.referenceSetVersion == before.referenceSetVersion + 1)
        #expect(try VisionExpert(store: reopened, embedder: embedder).inspect(image, category: "cat").score > 0)
        // Already current: nothing to do.
        #expect(try Ingestor(store: reopened, embedder: embedder, logger: VisionFixture.logger).reextractPatches(category: "cat").references == 0)
    }

    @Test("reembed changes nothing when a golden image is missing or changed, and names it")
    func reembedNeedsEveryImage() throws {
        let directory = try TemporaryDirectory()
        let (_, embedder) = try olderStore(directory)
        try FileManager.default.removeItem(atPath: directory.path + "/golden/3.png")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory.path + "/golden/5.png"))
        let reopened = try ReferenceStore(directory: directory.path + "/store", logger: VisionFixture.logger)
        let version = try reopened.category(named: "cat").referenceSetVersion
        do {
            _ = try Ingestor(store: reopened, embedder: embedder, logger: VisionFixture.logger).reextractPatches(category: "cat")
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("3.png (missing)") && error.description.contains("5.png (changed since ingest)"))
            #expect(error.description.contains("Nothing was changed"))
        }
        let after = try reopened.category(named: "cat")
        #expect(after.embedder.patchRecipe == "echo-1" && after.referenceSetVersion == version)
    }

    /// A golden store as an older Echo left it (patch recipe echo-1), closed again.
    private func olderStore(_ directory: TemporaryDirectory) throws -> (Category, ImageEmbedder) {
        let (category, embedder) = try { () throws -> (Category, ImageEmbedder) in
            let (store, embedder) = try VisionFixture.goldenStore(directory)
            return (try store.category(named: "cat"), embedder)
        }()
        let queue = try DatabaseQueue(path: directory.path + "/store/echo.sqlite")
        try queue.write { db in try db.execute(sql: "UPDATE categories SET patch_recipe = 'echo-1'") }
        return (category, embedder)
    }
}
