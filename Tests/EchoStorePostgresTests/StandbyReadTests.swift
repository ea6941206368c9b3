import EchoStore
@testable import EchoStorePostgres
import EchoTestSupport
import Foundation
import Testing

/// Reads from a real hot standby (`pg_basebackup -R`, streaming replication): a node reads
/// its own writes at once, sees other nodes' writes within the staleness bound, and keeps
/// answering from the primary when the standby goes away.
@Suite("PostgreSQL read standby", .serialized)
struct StandbyReadTests {
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: 2, patchDimension: 0, inputSize: 0)

    static func reference(_ name: String) -> NewReference {
        NewReference(sha256: name, sourcePath: name + ".png", width: 1, height: 1, vector: [1, 0])
    }

    static func added(_ outcome: AddedReferences) -> Int64? {
        if case .added(let id) = outcome.outcomes.first { id } else { nil }
    }

    @Test("own writes are read at once, other nodes' within the bound; the standby serves reads; its loss sends reads to the primary")
    func standbyReads() throws {
        let primary = try PrivateCluster()
        try primary.postgres.psql("CREATE DATABASE echo")
        let standby = try PrivateCluster(standbyOf: primary)
        let staleness = Duration.milliseconds(400)
        let nodeA = try PostgresBackend(location: PostgresLocation(url: primary.postgres.url(database: "echo")),
                                        standby: PostgresLocation(url: standby.postgres.url(database: "echo")), staleness: staleness,
                                        logger: PostgresFixture.logger)
        let nodeB = try PostgresBackend(location: PostgresLocation(url: primary.postgres.url(database: "echo")), logger: PostgresFixture.logger)
        try nodeA.insertCategory("parts", embedder: Self.identity, indexSpecification: "Flat", createdAt: "t")
        let parts = try #require(try nodeA.category(named: "parts"))

        for n in 0..<30 {
            let id = try #require(Self.added(try nodeA.addReferences([Self.reference("own-\(n)")], to: parts, createdAt: "t")))
            #expect(try nodeA.liveReferences(ids: [id], filter: [:]).map(\.id) == [id], "read-your-writes, write \(n)")
            Thread.sleep(forTimeInterval: 0.02)
        }
        let other = try #require(Self.added(try nodeB.addReferences([Self.reference("other")], to: parts, createdAt: "t")))
        Thread.sleep(forTimeInterval: 0.6)
        #expect(try nodeA.liveReferences(ids: [other], filter: [:]).map(\.id) == [other], "another node's write, older than the bound")
        for _ in 0..<40 {
            _ = try nodeA.listReferences(categoryID: parts.id, limit: 100, offset: 0)
            Thread.sleep(forTimeInterval: 0.01)
        }
        let served = nodeA.readCounts
        #expect(served.standby > 0 && served.primary > 0, "both served reads: \(served)")

        try standby.stop(mode: "immediate")
        for _ in 0..<20 {
            #expect(try nodeA.listReferences(categoryID: parts.id, limit: 100, offset: 0).count == 31)
        }
        let id = try #require(Self.added(try nodeA.addReferences([Self.reference("after")], to: parts, createdAt: "t")))
        #expect(try nodeA.liveReferences(ids: [id], filter: [:]).map(\.id) == [id])
    }
}
