@testable import EchoApplication
@testable import EchoVision
import EchoImaging
import EchoStore
import Foundation
import Testing

@Suite("Use cases", .serialized)
struct UseCaseTests {
    @Test("ingest from files checks every rule before any work: nothing is created for a bad name, key or index")
    func ingestRefusesBadInputBeforeWork() throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        let golden = try AppFixture.goldenFiles(directory, count: 2)
        var request = IngestFilesRequest(paths: [golden], category: "bottle caps")
        #expect(AppFixture.code { try app.ingestFiles(request) } == .invalidCategory)
        request.category = "caps"
        request.metadata = ["line no": "3"]
        #expect(AppFixture.code { try app.ingestFiles(request) } == .invalidMetadata)
        request.metadata = [:]
        request.indexSpecification = "PQ16"
        #expect(AppFixture.code { try app.ingestFiles(request) } == .invalidIndex)
        request.indexSpecification = "Flat"
        request.batchSize = 0
        #expect(AppFixture.code { try app.ingestFiles(request) } == .invalidParameter)
        #expect(try app.statistics().isEmpty, "nothing was created")
        request.batchSize = 32
        let empty = directory.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        request.paths = [empty]
        #expect(AppFixture.code { try app.ingestFiles(request) } == .nothingToDo)
        request.paths = [golden]
        let outcome = try app.ingestFiles(request)
        #expect(outcome.added == 2 && outcome.failed == 0)
        #expect(try app.statistics(category: "caps").first?.liveReferences == 2)
    }

    @Test("an upload is checked before anything is written, kept by its hash, and a second upload is a duplicate")
    func uploadIsCheckedThenKept() throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        #expect(AppFixture.code { try app.ingestUpload([0x89, 0x50, 0x4e, 0x47, 1, 2, 3], category: "parts", metadata: [:]) } == .badImage)
        #expect(AppFixture.code { try app.ingestUpload(try AppFixture.png(), category: "parts", metadata: ["a b": "1"]) } == .invalidMetadata)
        let written = (try? FileManager.default.contentsOfDirectory(atPath: app.uploadsDirectory)) ?? []
        #expect(written.isEmpty, "nothing unusable is written")
        let bytes = try AppFixture.png()
        let first = try app.ingestUpload(bytes, category: "parts", metadata: ["line": "3"])
        #expect(first.status == "added" && first.id != nil)
        #expect(FileManager.default.fileExists(atPath: "\(app.uploadsDirectory)/\(first.sha256).png"))
        let second = try app.ingestUpload(bytes, category: "parts", metadata: [:])
        #expect(second.status == "duplicate" && second.id == first.id)
    }

    @Test("the pixel limit applies to uploads and queries alike, before decoding")
    func onePixelLimit() throws {
        let directory = try TemporaryDirectory()
        var limits = InputLimits()
        limits.maxPixels = 100 * 100
        let app = try AppFixture.app(directory, limits: limits)
        let bytes = try AppFixture.png()
        #expect(AppFixture.code { try app.ingestUpload(bytes, category: "parts", metadata: [:]) } == .imageTooLarge)
        #expect(AppFixture.code { try app.nearestNormals(toImage: bytes, category: "parts", k: 1) } == .imageTooLarge)
        let file = directory.path + "/query.png"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect(AppFixture.code { try app.nearestNormals(toImageAt: file, category: "parts", k: 1) } == .imageTooLarge)
        #expect(ImageDecoder().maxPixels == InputLimits().maxPixels, "the library's default decoder and the use cases share one limit")
    }

    @Test("remove refuses unknown ids and removes nothing; runs and knowledge that do not exist say so")
    func missingThingsHaveTheirCodes() throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        let added = try app.ingestUpload(try AppFixture.png(), category: "parts", metadata: [:])
        let id = try #require(added.id)
        #expect(AppFixture.code { try app.removeReferences(ids: [id, id + 100]) } == .unknownReference)
        #expect(try app.listReferences(category: "parts", limit: 10, offset: 0).count == 1, "nothing was removed")
        #expect(AppFixture.code { try app.runResults(424242) } == .unknownRun)
        #expect(AppFixture.code { try app.knowledge(of: "parts") } == .noKnowledge)
        #expect(AppFixture.code { try app.listReferences(category: "nope", limit: 10, offset: 0) } == .unknownCategory)
        #expect(AppFixture.code { try app.listReferences(category: "parts", limit: 0, offset: 0) } == .invalidParameter)
        #expect(AppFixture.code { try app.nearestNormals(toImage: try AppFixture.png(), category: "parts", k: 0) } == .invalidParameter)
        #expect(try app.removeReferences(ids: [id]).map(\.id) == [id])
    }

    @Test("calibration's bad arguments are invalid_parameter before any work, not no_references")
    func calibrationArguments() throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        _ = try app.ingestFiles(IngestFilesRequest(paths: [try AppFixture.goldenFiles(directory, count: 4)], category: "parts"))
        var request = CalibrationRequest(category: "parts")
        request.coreset = 2
        #expect(AppFixture.code { try app.calibrate(request) } == .invalidParameter)
        request.coreset = nil
        request.quantile = 0
        #expect(AppFixture.code { try app.calibrate(request) } == .invalidParameter)
        request.quantile = 0.95
        request.neighbours = 0
        #expect(AppFixture.code { try app.calibrate(request) } == .invalidParameter)
        request.neighbours = 3
        request.dropMemoryBank = true
        request.coreset = 0.5
        #expect(AppFixture.code { try app.calibrate(request) } == .invalidParameter)
        request.dropMemoryBank = false
        request.coreset = nil
        #expect(try app.store.calibration(of: "parts") == nil, "nothing was calibrated")
        let done = try app.calibrate(request)
        #expect(done.calibration.scores.count == 4 && done.memoryBank == nil && !done.memoryBankRemoved)
        #expect(AppFixture.code { try app.calibrate(CalibrationRequest(category: "nope")) } == .unknownCategory)
    }

    @Test("a report that cannot be written is output_failed with its cause, not no_references")
    func reportFailureIsOutputFailed() async throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        let golden = try AppFixture.goldenFiles(directory, count: 4)
        _ = try app.ingestFiles(IngestFilesRequest(paths: [golden], category: "parts"))
        _ = try app.calibrate(CalibrationRequest(category: "parts"))
        let blocker = directory.path + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        var request = InspectFilesRequest(paths: [golden + "/0.png"], category: "parts")
        request.reportDirectory = blocker + "/report"
        do {
            _ = try await app.inspectFiles(request)
            Issue.record("the report was written under a file")
        } catch {
            #expect(error.code == .outputFailed, "\(error)")
            #expect(error.cause != nil)
        }
        request.reportDirectory = nil
        let outcome = try await app.inspectFiles(request)
        #expect(outcome.report.images.count == 1 && outcome.report.failed == 0)
        #expect(try app.runResults(outcome.report.runID).count == 1)
    }

    @Test("an uploaded image is inspected and recorded as a run of one; a review without an MLLM says the vision expert decided")
    func inspectUpload() async throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        _ = try app.ingestFiles(IngestFilesRequest(paths: [try AppFixture.goldenFiles(directory, count: 4)], category: "parts"))
        _ = try app.calibrate(CalibrationRequest(category: "parts"))
        let answer = try await app.inspectUpload(try AppFixture.png(dx: 2, dy: 2), category: "parts", review: true)
        let review = try #require(answer.review)
        #expect(review.decidedBy == "vision expert (no MLLM configured)")
        let results = try app.runResults(answer.runID)
        #expect(results.count == 1 && results[0].imagePath.hasPrefix("upload:"))
        do {
            _ = try await app.inspectUpload([1, 2, 3], category: "parts", review: false)
            Issue.record("garbage was inspected")
        } catch {
            #expect(error.code == .badImage)
        }
    }
}

@Suite("Use cases share long-lived state")
struct SharedStateTests {
    @Test("every use case's vision expert shares the app's memory-bank cache, whatever its settings")
    func oneBankCache() throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        var other = VisionExpert.Configuration()
        other.neighbours = 5
        let first = try app.visionExpert(), second = try app.visionExpert(other)
        #expect(first.banks === second.banks, "a new cache per request would reload each memory bank from the store every time")
        #expect(second.configuration.neighbours == 5)
    }
}
