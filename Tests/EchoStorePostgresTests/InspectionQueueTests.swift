import Crypto
import Dispatch
import EchoStore
import EchoStoreConformance
@testable import EchoStorePostgres
import EchoTestSupport
import Foundation
import Testing

/// The job queue on a real PostgreSQL: leases, SKIP LOCKED claims, lapsed leases,
/// at-most-once results, and the content-addressed image bytes behind them.
@Suite("PostgreSQL inspection queue")
struct InspectionQueueTests {
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: 2, patchDimension: 0, inputSize: 0)
    static let settings = QueuedRunSettings(neighbours: 2, review: false)

    static func image(_ text: String) -> QueuedImage {
        let bytes = Array(text.utf8)
        return QueuedImage(name: "/line/\(text).png", sha256: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), bytes: bytes)
    }

    static func result(_ name: String, verdict: String = "normal") -> RunResultRecord {
        RunResultRecord(imagePath: name, verdict: verdict, score: 1, background: 0.5, details: "{}")
    }

    /// A backend with a category "parts" and a sealed run of `count` images.
    static func queuedRun(_ backend: PostgresBackend, count: Int, seal: Bool = true) throws -> Int64 {
        if try backend.category(named: "parts") == nil {
            try backend.insertCategory("parts", embedder: identity, indexSpecification: "Flat", createdAt: "t")
        }
        let parts = try #require(try backend.category(named: "parts"))
        let run = try backend.beginQueuedRun(categoryID: parts.id, referenceSetVersion: 0, threshold: 2.5, settings: settings, at: "t")
        try backend.enqueueImages((0..<count).map { image("image-\(run)-\($0)") }, run: run, at: "t")
        if seal { try backend.sealQueuedRun(run) }
        return run
    }

    @Test("an unsealed run gives workers nothing; sealed, its jobs come oldest first with their run's settings")
    func sealOpensTheRun() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        let run = try Self.queuedRun(backend, count: 3, seal: false)
        #expect(try backend.claimJobs(worker: "w1", limit: 10, leaseSeconds: 30).isEmpty)
        #expect(try backend.runStatus(run)?.state == .enqueuing)
        try backend.sealQueuedRun(run)
        let jobs = try backend.claimJobs(worker: "w1", limit: 10, leaseSeconds: 30)
        #expect(jobs.map(\.imageName) == (0..<3).map { "/line/image-\(run)-\($0).png" })
        #expect(jobs.allSatisfy { $0.runID == run && $0.category == "parts" && $0.attempts == 1 && $0.settings == Self.settings })
        let status = try #require(try backend.runStatus(run))
        #expect(status.state == .running && status.queued && status.images == 3 && status.recorded == 0 && status.inProgress == 3)
        #expect(status.threshold == 2.5)
        #expect(try backend.imageBytes(sha256: jobs[0].sha256) == Self.image("image-\(run)-0").bytes)
    }

    @Test("concurrent workers claim disjoint jobs (SKIP LOCKED): every job once, none twice")
    func concurrentClaimsAreDisjoint() throws {
        let database = try TestDatabase()
        let setup = try PostgresFixture.backend(database)
        let run = try Self.queuedRun(setup, count: 40)
        let workers = try (0..<4).map { _ in try PostgresFixture.backend(database, connections: 2) }
        let claimed = Locked<[String: [Int64]]>([:])
        DispatchQueue.concurrentPerform(iterations: workers.count) { index in
            let name = "w\(index)"
            while let jobs = try? workers[index].claimJobs(worker: name, limit: 3, leaseSeconds: 30), !jobs.isEmpty {
                claimed.update { $0[name, default: []] += jobs.map(\.id) }
            }
        }
        let all = claimed.value.values.flatMap { $0 }
        #expect(all.count == 40 && Set(all).count == 40, "\(claimed.value)")
        #expect(try setup.runStatus(run)?.inProgress == 40)
    }

    @Test("a lapsed lease goes to another worker; the first worker's late result is refused and the job recorded once")
    func lapsedLeaseIsReclaimed() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        let run = try Self.queuedRun(backend, count: 1)
        let first = try #require(try backend.claimJobs(worker: "dead", limit: 1, leaseSeconds: 1).first)
        #expect(try backend.claimJobs(worker: "late", limit: 1, leaseSeconds: 30).isEmpty, "a live lease is not claimable")
        Thread.sleep(forTimeInterval: 1.3)
        let second = try #require(try backend.claimJobs(worker: "late", limit: 1, leaseSeconds: 30).first)
        #expect(second.id == first.id && second.attempts == 2)
        // The first worker's lease cannot be renewed any more, nor its result recorded.
        #expect(try backend.renewLeases([first.id], worker: "dead", leaseSeconds: 30).isEmpty)
        #expect(try backend.completeJob(first.id, worker: "dead", result: Self.result(first.imageName)) == JobCompletion(recorded: false, remaining: 1))
        #expect(try backend.completeJob(second.id, worker: "late", result: Self.result(second.imageName)) == JobCompletion(recorded: true, remaining: 0))
        #expect(try backend.completeJob(second.id, worker: "late", result: Self.result(second.imageName)) == JobCompletion(recorded: false, remaining: 0),
                "completing twice records nothing more")
        #expect(try backend.results(ofRun: run).map(\.imagePath) == [first.imageName])
        #expect(try backend.completeUnfinishedRuns() == [run])
        #expect(try backend.finishQueuedRun(run, summary: ["normal": 1], drift: nil, at: "t2"))
        #expect(try !backend.finishQueuedRun(run, summary: ["normal": 1], drift: nil, at: "t3"), "finished once")
        #expect(try backend.completeUnfinishedRuns().isEmpty)
        #expect(try backend.runStatus(run)?.state == .finished)
    }

    @Test("images go only into a run being enqueued; concurrent enqueuers of one run get distinct positions")
    func enqueueOnlyIntoOpenRuns() throws {
        let database = try TestDatabase()
        let setup = try PostgresFixture.backend(database)
        let run = try Self.queuedRun(setup, count: 0, seal: false)
        let backends = try (0..<4).map { _ in try PostgresFixture.backend(database, connections: 1) }
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            for n in 0..<5 { try? backends[index].enqueueImages([Self.image("r\(index)-\(n)")], run: run, at: "t") }
        }
        try setup.sealQueuedRun(run)
        #expect(try setup.runStatus(run)?.images == 20)
        let code: String? = { do { try setup.enqueueImages([Self.image("late")], run: run, at: "t"); return nil } catch let error as StoreError { return error.code.description } catch { return "\(error)" } }()
        #expect(code == "invalid argument", "a sealed run takes no more images")
        #expect(try setup.claimJobs(worker: "w", limit: 50, leaseSeconds: 30).count == 20)
    }

    @Test("a renewed lease is not reclaimed")
    func renewedLeaseHolds() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        _ = try Self.queuedRun(backend, count: 1)
        let job = try #require(try backend.claimJobs(worker: "alive", limit: 1, leaseSeconds: 1).first)
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.5)
            #expect(try backend.renewLeases([job.id], worker: "alive", leaseSeconds: 1) == [job.id])
        }
        #expect(try backend.claimJobs(worker: "other", limit: 1, leaseSeconds: 30).isEmpty)
    }

    @Test("the last jobs of a run completed at once: exactly one completion sees none left")
    func lastCompletionIsSeenOnce() throws {
        let database = try TestDatabase()
        let setup = try PostgresFixture.backend(database)
        let run = try Self.queuedRun(setup, count: 6)
        let jobs = try setup.claimJobs(worker: "w", limit: 6, leaseSeconds: 30)
        let backends = try (0..<6).map { _ in try PostgresFixture.backend(database, connections: 1) }
        let remaining = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            if let completion = try? backends[index].completeJob(jobs[index].id, worker: "w", result: Self.result(jobs[index].imageName)) {
                remaining.update { $0.append(completion.remaining) }
            }
        }
        #expect(remaining.value.count == 6 && remaining.value.filter { $0 == 0 }.count == 1, "\(remaining.value)")
        #expect(try setup.results(ofRun: run).count == 6)
        #expect(try setup.pendingJobCount() == 0)
    }

    @Test("the same bytes in two runs and as a golden sample are stored once")
    func imageBytesAreContentAddressed() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        let runA = try Self.queuedRun(backend, count: 0, seal: false)
        let runB = try Self.queuedRun(backend, count: 0, seal: false)
        let shared = Self.image("shared")
        try backend.enqueueImages([shared], run: runA, at: "t")
        try backend.enqueueImages([shared], run: runB, at: "t")
        let parts = try #require(try backend.category(named: "parts"))
        _ = try backend.addReferences([NewReference(sha256: shared.sha256, sourcePath: "/gone.png", width: 1, height: 1, vector: [1, 0],
                                                    imageBytes: shared.bytes)], to: parts, createdAt: "t")
        let blobs = try backend.pool.withConnection { try $0.column(Int64.self, "SELECT count(*) FROM image_blobs").first }
        #expect(blobs == 1)
        #expect(try backend.imageBytes(sha256: shared.sha256) == shared.bytes)
        #expect(try backend.imageBytes(sha256: String(repeating: "0", count: 64)) == nil)
    }

    @Test("a local run's status on PostgreSQL: images are its results")
    func localRunStatus() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        try backend.insertCategory("parts", embedder: Self.identity, indexSpecification: "Flat", createdAt: "t")
        let parts = try #require(try backend.category(named: "parts"))
        let run = try backend.beginRun(categoryID: parts.id, referenceSetVersion: 0, threshold: nil, at: "t")
        try backend.recordResults([Self.result("a"), Self.result("b", verdict: "anomalous")], run: run)
        try backend.finishRun(run, summary: ["normal": 1, "anomalous": 1], drift: nil, at: "t2")
        let status = try #require(try backend.runStatus(run))
        #expect(!status.queued && status.state == .finished && status.images == 2 && status.recorded == 2 && status.summary["anomalous"] == 1)
        #expect(try backend.runStatus(run + 100) == nil)
    }
}
