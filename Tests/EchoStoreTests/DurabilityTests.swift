import Dispatch
import EchoEmbedding
import Foundation
import Testing
@testable import EchoStore

@Suite("Durability: deletes, reopening, replay and rebuild")
struct DurabilityTests {
    func populated(_ directory: TemporaryDirectory, count: Int = 40, spec: String = "Flat") throws -> (ReferenceStore, [Int64]) {
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity, indexSpecification: spec)
        let ids = StoreFixture.addedIDs(try store.add((0..<count).map { StoreFixture.reference($0) }, to: "bottle"))
        return (store, ids)
    }

    @Test("a deleted reference is never returned, and the reference-set version moves on")
    func deleteThenQuery() throws {
        let directory = try TemporaryDirectory()
        let (store, ids) = try populated(directory)
        let version = try store.category(named: "bottle").referenceSetVersion
        let removed = try store.remove(ids: [ids[7]])
        #expect(removed.map(\.sourcePath) == ["/golden/7.png"])
        let matches = try store.nearest(to: StoreFixture.vector(7), in: "bottle", k: 40)
        #expect(!matches.contains { $0.reference.id == ids[7] })
        #expect(matches.count == 39)
        #expect(try store.category(named: "bottle").referenceSetVersion == version + 1)
        // The same bytes can be ingested again after deletion.
        #expect(StoreFixture.addedIDs(try store.add([StoreFixture.reference(7)], to: "bottle")).count == 1)
    }

    @Test("after a clean close, reopening loads the saved index without rebuilding")
    func reopenAfterCleanClose() throws {
        let directory = try TemporaryDirectory()
        do {
            let (store, _) = try populated(directory)
            try store.saveIndexes()
        }
        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        #expect(try store.nearest(to: StoreFixture.vector(3), in: "bottle", k: 1)[0].reference.sourcePath == "/golden/3.png")
        #expect(!recorder.messages.contains { $0.contains("built the index") })
        #expect(try store.verify().isConsistent)
    }

    @Test("changes committed after the last save are replayed on open")
    func replayAfterUnsavedChanges() throws {
        let directory = try TemporaryDirectory()
        var removedID: Int64 = 0
        do {
            let (store, ids) = try populated(directory)
            try store.saveIndexes()
            _ = try store.add((100..<110).map { StoreFixture.reference($0) }, to: "bottle")
            try store.remove(ids: [ids[0]])
            removedID = ids[0]
            // No save: as if the process died here.
        }
        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        let matches = try store.nearest(to: StoreFixture.vector(105), in: "bottle", k: 100)
        #expect(matches.count == 49)
        #expect(matches[0].reference.sourcePath == "/golden/105.png")
        #expect(!matches.contains { $0.reference.id == removedID })
        #expect(recorder.messages.contains { $0.contains("replayed") })
        #expect(try store.verify().isConsistent)
    }

    @Test("a deleted or truncated index file is rebuilt from SQLite with a log line", arguments: ["delete", "truncate", "garbage"])
    func damagedIndexFileRebuilt(damage: String) throws {
        let directory = try TemporaryDirectory()
        do {
            let (store, _) = try populated(directory)
            try store.saveIndexes()
        }
        let file = try #require(IndexFiles.files(in: directory.path + "/indexes", category: 1).first)
        switch damage {
        case "delete": try FileManager.default.removeItem(atPath: file.path)
        case "truncate":
            let data = try Data(contentsOf: URL(fileURLWithPath: file.path))
            try data.prefix(data.count / 3).write(to: URL(fileURLWithPath: file.path))
        default: try Data(repeating: 0x5A, count: 5000).write(to: URL(fileURLWithPath: file.path))
        }
        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        #expect(try store.nearest(to: StoreFixture.vector(12), in: "bottle", k: 1)[0].reference.sourcePath == "/golden/12.png")
        #expect(recorder.messages.contains { $0.contains("built the index from SQLite") })
        #expect(try store.verify().isConsistent)
    }

    @Test("an index file older than SQLite (restored from before later changes) is caught up")
    func olderIndexFileCaughtUp() throws {
        let directory = try TemporaryDirectory()
        let indexes = directory.path + "/indexes"
        let backup = directory.path + "/old.faiss"
        var oldFile = ""
        var removed: Int64 = 0
        do {
            let (store, ids) = try populated(directory, count: 300)
            try store.saveIndexes()
            oldFile = try #require(IndexFiles.files(in: indexes, category: 1).first).path
            try FileManager.default.copyItem(atPath: oldFile, toPath: backup)
            _ = try store.add((1000..<1300).map { StoreFixture.reference($0) }, to: "bottle") // enough to trigger a save
            try store.remove(ids: [ids[5]])
            removed = ids[5]
            try store.saveIndexes()
        }
        for file in IndexFiles.files(in: indexes, category: 1) { try FileManager.default.removeItem(atPath: file.path) }
        try FileManager.default.moveItem(atPath: backup, toPath: oldFile)
        let store = try StoreFixture.open(directory)
        let matches = try store.nearest(to: StoreFixture.vector(1200), in: "bottle", k: 1000)
        #expect(matches.count == 599)
        #expect(matches[0].reference.sourcePath == "/golden/1200.png")
        #expect(!matches.contains { $0.reference.id == removed })
        #expect(try store.verify().isConsistent)
    }

    @Test("HNSW categories rebuild on removal; stats report their recall against exact search")
    func hnswCategory() throws {
        let directory = try TemporaryDirectory()
        let (store, ids) = try populated(directory, count: 200, spec: "HNSW16")
        try store.remove(ids: [ids[1]])
        let matches = try store.nearest(to: StoreFixture.vector(1), in: "bottle", k: 5)
        #expect(!matches.contains { $0.reference.id == ids[1] })
        let stats = try store.statistics(category: "bottle")[0]
        #expect(stats.indexedVectors == 199)
        let recall = try #require(stats.recallAt10)
        #expect(recall > 0.8 && recall <= 1)
        #expect(try store.verify().isConsistent)
    }

    @Test("an IVF category with too few references to train searches exactly meanwhile")
    func untrainedIvfFallsBack() throws {
        let directory = try TemporaryDirectory()
        let recorder = LogRecorder()
        let store = try StoreFixture.open(directory, recorder: recorder)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity, indexSpecification: "IVF64,Flat")
        _ = try store.add((0..<10).map { StoreFixture.reference($0) }, to: "bottle")
        #expect(try store.nearest(to: StoreFixture.vector(4), in: "bottle", k: 1)[0].reference.sourcePath == "/golden/4.png")
        #expect(recorder.messages.contains { $0.contains("cannot train the index yet") })
    }

    @Test("queries running during ingest only ever see committed, live references in order")
    func concurrentQueriesDuringIngest() async throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        _ = try store.add([StoreFixture.reference(0)], to: "bottle")
        // When each removal returned (monotonic ns): a query that started later must not return it.
        let removedAt = Locked<[Int64: UInt64]>([:])
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for batch in 0..<30 {
                    let outcomes = try store.add((1 + batch * 10..<1 + (batch + 1) * 10).map { StoreFixture.reference($0) }, to: "bottle")
                    if batch % 3 == 0 {
                        let id = StoreFixture.addedIDs(outcomes)[0]
                        try store.remove(ids: [id])
                        let now = DispatchTime.now().uptimeNanoseconds
                        removedAt.update { $0[id] = now }
                    }
                }
                return 0
            }
            for reader in 0..<2 {
                group.addTask {
                    var bad = 0
                    for q in 0..<150 {
                        let started = DispatchTime.now().uptimeNanoseconds
                        let matches = try store.nearest(to: StoreFixture.vector(q + reader), in: "bottle", k: 8)
                        if matches.isEmpty { bad += 1 }
                        if zip(matches, matches.dropFirst()).contains(where: { $0.similarity < $1.similarity }) { bad += 1 }
                        // (Checking liveness with a second read would race the writer: a match
                        // may be removed between the two.)
                        let removed = removedAt.value
                        if matches.contains(where: { removed[$0.reference.id].map { $0 < started } ?? false }) { bad += 1 }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(try store.verify().isConsistent)
    }
}
