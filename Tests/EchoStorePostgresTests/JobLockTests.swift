import EchoStore
@testable import EchoStorePostgres
import EchoTestSupport
import Foundation
import Testing

/// Long jobs on one category from many nodes: one at a time, and a holder that dies
/// gives the lock up with its connection.
@Suite("PostgreSQL long-job locks")
struct JobLockTests {
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: 2, patchDimension: 0, inputSize: 0)

    static func code(_ body: () throws -> Any?) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as StoreError {
            return error.code.description
        } catch {
            return "\(error)"
        }
    }

    @Test("one category's job runs on one node at a time; other categories are free; release lets the next one start")
    func oneJobPerCategory() throws {
        let database = try TestDatabase()
        let nodeA = try PostgresFixture.backend(database), nodeB = try PostgresFixture.backend(database)
        for name in ["parts", "caps"] { try nodeA.insertCategory(name, embedder: Self.identity, indexSpecification: "Flat", createdAt: "t") }
        let parts = try #require(try nodeA.category(named: "parts")), caps = try #require(try nodeA.category(named: "caps"))
        let held = try #require(try nodeA.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating"))
        #expect(Self.code { try nodeB.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating") } == "store is busy")
        let other = try nodeB.lockCategoryJob(categoryID: caps.id, categoryName: "caps", what: "calibrating")
        #expect(other != nil, "another category is not blocked")
        held.release()
        let next = try nodeB.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating")
        #expect(next != nil)
        next?.release()
        other?.release()
    }

    @Test("a holder whose connection dies (its node killed) releases the lock")
    func deadHolderReleases() throws {
        let database = try TestDatabase()
        let nodeA = try PostgresFixture.backend(database), nodeB = try PostgresFixture.backend(database)
        try nodeA.insertCategory("parts", embedder: Self.identity, indexSpecification: "Flat", createdAt: "t")
        let parts = try #require(try nodeA.category(named: "parts"))
        let held = try nodeA.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating")
        #expect(held != nil)
        #expect(Self.code { try nodeB.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating") } == "store is busy")
        // The server ends the holder's session, as it does when the node's process dies.
        _ = try database.psql("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        var taken: (any CategoryJobLock)?
        for _ in 0..<50 where taken == nil {
            taken = try? nodeB.lockCategoryJob(categoryID: parts.id, categoryName: "parts", what: "calibrating")
            if taken == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(taken != nil)
        withExtendedLifetime(held) {}
    }
}
