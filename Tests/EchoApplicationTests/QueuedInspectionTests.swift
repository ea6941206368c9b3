import EchoApplication
import EchoImaging
import EchoStore
import Foundation
import Testing

/// Distributed inspection through the use cases, on a real PostgreSQL with the real
/// backbone: a run enqueued from files, inspected by two workers with their own caches,
/// recorded once per image, with the same answers as inspecting the files here.
@Suite("Queued inspection")
struct QueuedInspectionTests {
    static func postgresApp(_ database: TestDatabase, cache: TemporaryDirectory) throws -> EchoApp {
        let store = try StoreLocation(database.url, cache: cache.path, password: nil).open(.readWrite, lockTimeout: 5, logger: AppFixture.logger)
        return EchoApp(store: store, embedder: try AppFixture.embedder.get(), logger: AppFixture.logger)
    }

    /// Clean and scratched crops, a file that is no image, and a path that does not exist.
    static func inspectionPaths(_ directory: TemporaryDirectory) throws -> [String] {
        let folder = directory.path + "/line"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (index, (dx, dy)) in [(1, 1), (2, 4), (5, 2)].enumerated() {
            try ImageEncoder.writePNG(try PaintedDataset.crop(dx: dx, dy: dy), toPath: "\(folder)/clean-\(index).png")
        }
        for index in 0..<2 {
            let scratched = try PaintedDataset.scratched(try PaintedDataset.crop(dx: 2 + index, dy: 2), box: (60, 60, 150, 150))
            try ImageEncoder.writePNG(scratched, toPath: "\(folder)/scratched-\(index).png")
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: "\(folder)/broken.png"))
        return [folder, directory.path + "/missing.png"]
    }

    @Test("two workers inspect a queued run: every image recorded once, answers equal a local run's, the run finished with its summary")
    func workersRecordEveryImageOnce() async throws {
        let database = try TestDatabase()
        let directory = try TemporaryDirectory(), cacheA = try TemporaryDirectory(), cacheB = try TemporaryDirectory(), cacheC = try TemporaryDirectory()
        let enqueuer = try Self.postgresApp(database, cache: cacheA)
        var ingest = IngestFilesRequest(paths: [try AppFixture.goldenFiles(directory)], category: "parts")
        ingest.concurrency = 2
        _ = try enqueuer.ingestFiles(ingest)
        _ = try enqueuer.calibrate(CalibrationRequest(category: "parts"))
        let paths = try Self.inspectionPaths(directory)

        let local = try await enqueuer.inspectFiles(InspectFilesRequest(paths: paths, category: "parts")).report
        var request = EnqueueInspectionRequest(paths: paths, category: "parts")
        request.neighbours = 3
        let run = try enqueuer.enqueueInspection(request)
        #expect(run.queued == 6 && run.failed == 1)
        let before = try enqueuer.runProgress(run.runID).status
        #expect(before.state == .running && before.images == 7 && before.recorded == 1 && before.queued)

        let workerA = try Self.postgresApp(database, cache: cacheB), workerB = try Self.postgresApp(database, cache: cacheC)
        func options(_ name: String) -> WorkerOptions {
            var options = WorkerOptions(name: name)
            options.exitWhenIdle = true
            options.pollSeconds = 0.1
            return options
        }
        async let a = workerA.work(options("a"))
        async let b = workerB.work(options("b"))
        let (summaryA, summaryB) = try await (a, b)
        #expect(summaryA.recorded + summaryB.recorded == 6 && summaryA.lost + summaryB.lost == 0, "\(summaryA) \(summaryB)")
        #expect(summaryA.runsFinished + summaryB.runsFinished == [run.runID])

        let progress = try enqueuer.runProgress(run.runID)
        #expect(progress.status.state == .finished && progress.status.recorded == 7 && progress.status.inProgress == 0)
        #expect(progress.results.count == 7 && Set(progress.results.map(\.imagePath)).count == 7)
        let queued = Dictionary(uniqueKeysWithValues: progress.results.map { ($0.imagePath, $0) })
        for image in local.images {
            let result = try #require(queued[image.path], "\(image.path) was not recorded")
            #expect(result.verdict == (image.verdict?.rawValue ?? "failed"), "\(image.path)")
            if let score = image.result?.score {
                #expect(abs((result.score ?? .nan) - Double(score)) < 1e-6, "\(image.path): \(result.score ?? .nan) against \(score)")
            }
        }
        #expect(progress.status.summary["anomalous"] == local.count(.anomalous) && progress.status.summary["failed"] == 2)
        #expect(local.count(.anomalous) == 2, "the painted scratches are found: \(local.images.map { ($0.path, $0.verdict?.rawValue ?? "failed") })")
    }

    @Test("a SQLite store has no queue: enqueueing and working say so (unsupported), nothing is recorded")
    func sqliteHasNoQueue() async throws {
        let directory = try TemporaryDirectory()
        let app = try AppFixture.app(directory)
        _ = try app.ingestFiles(IngestFilesRequest(paths: [try AppFixture.goldenFiles(directory, count: 2)], category: "parts"))
        #expect(AppFixture.code { try app.enqueueInspection(EnqueueInspectionRequest(paths: [directory.path], category: "parts")) } == .unsupported)
        await #expect(throws: EchoError.self) { try await app.work(WorkerOptions(name: "w")) }
        var bad = EnqueueInspectionRequest(paths: [directory.path], category: "parts")
        bad.neighbours = 0
        #expect(AppFixture.code { try app.enqueueInspection(bad) } == .invalidParameter)
        #expect(AppFixture.code { try app.runProgress(1) } == .unknownRun)
    }
}
