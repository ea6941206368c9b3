import EchoApplication
import EchoStore
import EchoStorePostgres
import Foundation
import Testing

/// A node's loaded indexes kept current without queries, on a real PostgreSQL: by the
/// other nodes' notifications, by the poll alone, and by reconciliation after the feed's
/// connection was cut while the database lost a commit (as a failover can).
@Suite("Cache freshness on PostgreSQL", .serialized)
struct CacheFreshnessTests {
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: 2, patchDimension: 0, inputSize: 0)

    static func store(_ database: TestDatabase, _ cache: TemporaryDirectory) throws -> ReferenceStore {
        try StoreLocation(database.url, cache: cache.path, password: nil).open(.readWrite, lockTimeout: 5, logger: AppFixture.logger)
    }

    static func reference(_ name: String, _ vector: [Float]) -> NewReference {
        NewReference(sha256: name, sourcePath: name + ".png", width: 1, height: 1, vector: vector)
    }

    /// Two nodes on one new database: A has written "parts", B's index of it is loaded.
    struct TwoNodes {
        let database: TestDatabase
        let caches: [TemporaryDirectory]
        let nodeA: ReferenceStore, nodeB: ReferenceStore
        let parts: EchoStore.Category
    }

    static func twoNodes() throws -> TwoNodes {
        let database = try TestDatabase()
        let caches = [try TemporaryDirectory(), try TemporaryDirectory()]
        let nodeA = try store(database, caches[0]), nodeB = try store(database, caches[1])
        let parts = try nodeA.ensureCategory("parts", embedder: identity)
        _ = try nodeA.add([reference("a", [1, 0])], to: "parts")
        return TwoNodes(database: database, caches: caches, nodeA: nodeA, nodeB: nodeB, parts: parts)
    }

    /// Waits up to `seconds` for `condition`; the time it took, nil when it never held.
    static func waited(_ seconds: Double, _ condition: () -> Bool) -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if condition() { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return nil
    }

    @Test("another node's commit reaches this node's warm index by notification, with no query and no poll")
    func notificationWarms() throws {
        let nodes = try Self.twoNodes()
        let (nodeA, nodeB, parts) = (nodes.nodeA, nodes.nodeB, nodes.parts)
        _ = try nodeB.nearest(to: [1, 0], in: "parts", k: 1)
        let freshness = CacheFreshness(store: nodeB, poll: .seconds(600), logger: AppFixture.logger)
        freshness.start()
        defer { freshness.stop() }
        #expect(Self.waited(5) { freshness.isListening } != nil)
        _ = try nodeA.add([Self.reference("b", [0, 1])], to: "parts")
        let head = try nodeA.backend.head(ofCategory: parts.id)
        let took = Self.waited(5) { nodeB.cachedHead(ofCategoryID: parts.id) == head }
        #expect(took != nil, "B's index reached A's head \(head) by itself")
        // The counter moves just after the index does: wait for it rather than race it.
        #expect(Self.waited(5) { freshness.activity.caughtUp >= 1 } != nil)
        #expect(freshness.activity.notifications >= 1)
    }

    @Test("with notifications off, the poll brings the index current")
    func pollWarms() throws {
        let nodes = try Self.twoNodes()
        let (nodeA, nodeB, parts) = (nodes.nodeA, nodes.nodeB, nodes.parts)
        _ = try nodeB.nearest(to: [1, 0], in: "parts", k: 1)
        let freshness = CacheFreshness(store: nodeB, poll: .milliseconds(200), notifications: false, logger: AppFixture.logger)
        freshness.start()
        defer { freshness.stop() }
        #expect(!freshness.isListening)
        _ = try nodeA.add([Self.reference("b", [0, 1])], to: "parts")
        let head = try nodeA.backend.head(ofCategory: parts.id)
        #expect(Self.waited(5) { nodeB.cachedHead(ofCategoryID: parts.id) == head } != nil)
        #expect(freshness.activity.notifications == 0)
    }

    @Test("after the feed's connection is cut and the database lost a commit the index had, reconciliation rebuilds the index")
    func reconnectReconciles() throws {
        let nodes = try Self.twoNodes()
        let (database, nodeA, nodeB, parts) = (nodes.database, nodes.nodeA, nodes.nodeB, nodes.parts)
        let lost = try nodeA.add([Self.reference("b", [0, 1])], to: "parts")
        guard case .added(let lostID) = try #require(lost.first) else { Issue.record("not added"); return }
        _ = try nodeB.nearest(to: [1, 0], in: "parts", k: 1)
        var settings = PostgresChangeFeed.Settings()
        settings.keepAlive = .milliseconds(200)
        settings.retry = .milliseconds(200)
        let freshness = CacheFreshness(store: nodeB, poll: .seconds(600), feedSettings: settings, logger: AppFixture.logger)
        freshness.start()
        defer { freshness.stop() }
        #expect(Self.waited(5) { freshness.activity.reconciled >= 1 } != nil, "the first connect reconciles")
        // What a failover to a standby that had not received the last commit looks like.
        _ = try database.psql("""
            DELETE FROM reference_vectors WHERE reference_id = \(lostID); DELETE FROM reference_images WHERE id = \(lostID);
            UPDATE categories SET log_head = log_head - 1 WHERE id = \(parts.id);
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND (query LIKE 'LISTEN%' OR query = 'SELECT 1') AND pid <> pg_backend_pid();
            """)
        let head = try nodeA.backend.head(ofCategory: parts.id)
        #expect(Self.waited(10) { freshness.activity.reconciled >= 2 && nodeB.cachedHead(ofCategoryID: parts.id) == head } != nil,
                "reconnected and reconciled: \(freshness.activity), cached \(String(describing: nodeB.cachedHead(ofCategoryID: parts.id))), head \(head)")
        #expect(try nodeB.nearest(to: [0, 1], in: "parts", k: 5).map(\.reference.id).contains(lostID) == false)
        let report = try nodeB.verify()
        #expect(report.isConsistent, "\(report.problems)")
    }
}
