import Dispatch
import EchoStore
import EchoStoreConformance
@testable import EchoStorePostgres
import EchoTestSupport
import Foundation
import Logging
import Testing

enum PostgresFixture {
    static let logger = Logger(label: "test.postgres") { _ in SwiftLogNoOpLogHandler() }

    static func backend(_ database: TestDatabase, connections: Int = 8) throws -> PostgresBackend {
        try PostgresBackend(location: PostgresLocation(url: database.url), connections: connections, logger: logger)
    }
}

/// The storage seam's conformance suite, unchanged, on PostgreSQL: a database of its own
/// per case in the throwaway cluster `make test` starts.
@Suite("PostgreSQL backend conformance")
struct PostgresConformanceTests {
    @Test(arguments: StoreBackendConformance.cases)
    func conforms(_ behaviour: BackendCase) throws {
        let database = try TestDatabase()
        try behaviour.check(try PostgresFixture.backend(database))
    }

    @Test("a vector, patch grid or memory bank whose bytes changed in the database is refused on read and listed by verify")
    func damagedValues() throws {
        let database = try TestDatabase()
        try StoreBackendConformance.damagedValuesAreRefused(try PostgresFixture.backend(database)) { table, column, keyColumn, key in
            try database.psql("UPDATE \(table) SET \(column) = set_byte(\(column), 5, get_byte(\(column), 5) # 16) WHERE \(keyColumn) = \(key)")
        }
    }

    @Test("a stored image whose bytes changed is refused, listed as damaged, and replaced when its file is ingested again")
    func damagedImage() throws {
        let database = try TestDatabase()
        let backend = try PostgresFixture.backend(database)
        try backend.insertCategory("parts", embedder: PostgresBackendTests.identity, indexSpecification: "Flat", createdAt: "t")
        let parts = try #require(try backend.category(named: "parts"))
        let bytes = [UInt8]("the bytes of a golden image, as ingested".utf8)
        let sha = ImageDigest.hex(bytes)
        let reference = NewReference(sha256: sha, sourcePath: "a.png", width: 1, height: 1, vector: [1, 0], imageBytes: bytes)
        guard case .added(let id) = try backend.addReferences([reference], to: parts, createdAt: "t").outcomes.first else {
            Issue.record("the reference was not added")
            return
        }
        #expect(try backend.imageBytes(sha256: sha) == bytes)

        try database.psql("UPDATE image_blobs SET bytes = set_byte(bytes, 3, get_byte(bytes, 3) # 16) WHERE sha256 = '\(sha)'")
        do {
            _ = try backend.imageBytes(sha256: sha)
            Issue.record("a damaged image was returned")
        } catch {
            #expect(error.code == .corrupt && error.message.contains("the stored copy of image \(sha) is damaged"), "\(error)")
        }
        #expect(try backend.damagedContent() == [ContentDamage(kind: .image, category: "parts", referenceID: id)])

        // The repair the message names: remove the reference, ingest the file again.
        _ = try backend.removeReferences(ids: [id])
        _ = try backend.addReferences([reference], to: parts, createdAt: "u")
        #expect(try backend.imageBytes(sha256: sha) == bytes)
        #expect(try backend.damagedContent().isEmpty)
    }
}

@Suite("PostgreSQL backend")
struct PostgresBackendTests {
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: 2, patchDimension: 0, inputSize: 0)

    static func reference(_ name: String, _ vector: [Float]) -> NewReference {
        NewReference(sha256: name, sourcePath: name + ".png", width: 1, height: 1, vector: vector)
    }

    @Test("a writer that commits later gets a later log position, whatever id it took first (the sequence trap)")
    func commitOrderedLog() throws {
        let database = try TestDatabase()
        let nodeA = try PostgresFixture.backend(database), nodeB = try PostgresFixture.backend(database)
        try nodeA.insertCategory("parts", embedder: Self.identity, indexSpecification: "Flat", createdAt: "t")
        let parts = try #require(try nodeA.category(named: "parts"))
        // A inserts its row (taking the lower id), then stops before it commits.
        let reached = DispatchSemaphore(value: 0), resume = DispatchSemaphore(value: 0)
        nodeA.beforeHeadAdvance.withLock { $0 = { reached.signal(); resume.wait() } }
        let writerA = DispatchGroup()
        let idA = Locked<Int64?>(nil)
        DispatchQueue.global().async(group: writerA) {
            let batch = try? nodeA.addReferences([Self.reference("a", [1, 0])], to: parts, createdAt: "t")
            idA.update { $0 = batch?.added.first?.id }
        }
        #expect(reached.wait(timeout: .now() + 10) == .success)
        nodeA.beforeHeadAdvance.withLock { $0 = nil }
        // B inserts later (a higher id) and commits first; a cache replays and records B's head.
        let idB = try #require(try nodeB.addReferences([Self.reference("b", [0, 1])], to: parts, createdAt: "t").added.first?.id)
        let first = try nodeB.changes(ofCategory: parts.id, after: 0)
        #expect(first.added.map(\.id) == [idB])
        // Now A commits: a replay from the head the cache recorded must still bring A's row.
        resume.signal()
        writerA.wait()
        let a = try #require(idA.value)
        #expect(a < idB, "A took the lower id: with a sequence as the log, a replay after B's would skip it")
        let second = try nodeB.changes(ofCategory: parts.id, after: first.head)
        #expect(second.added.map(\.id) == [a])
        #expect(second.head > first.head)
        #expect(try nodeB.integrityProblems().isEmpty)
    }

    @Test("two stores on one database: a write on one node is seen by the other's next query, a delete never returned")
    func twoNodesReadTheirWrites() throws {
        let database = try TestDatabase()
        let cacheA = try TemporaryDirectory(), cacheB = try TemporaryDirectory()
        let storeA = try ReferenceStore(backend: try PostgresFixture.backend(database), cacheDirectory: cacheA.path, mode: .readWrite, logger: PostgresFixture.logger)
        let storeB = try ReferenceStore(backend: try PostgresFixture.backend(database), cacheDirectory: cacheB.path, mode: .readWrite, logger: PostgresFixture.logger)
        _ = try storeA.ensureCategory("parts", embedder: Self.identity)
        _ = try storeA.add([Self.reference("a", [1, 0])], to: "parts")
        #expect(try storeB.nearest(to: [1, 0], in: "parts", k: 1).first?.reference.sha256 == "a")
        // B writes while A's index is warm: A's next query replays B's add.
        let fromB = try storeB.add([Self.reference("b", [0, 1])], to: "parts")
        #expect(try storeA.nearest(to: [0, 1], in: "parts", k: 1).first?.reference.sha256 == "b")
        // A writes after B did: A's own index must not jump over B's change.
        _ = try storeA.add([Self.reference("c", [0.7, 0.7])], to: "parts")
        #expect(Set(try storeA.nearest(to: [0, 1], in: "parts", k: 3).map(\.reference.sha256)) == ["a", "b", "c"])
        guard case .added(let idB) = fromB[0] else { Issue.record("b was not added"); return }
        try storeA.remove(ids: [idB])
        #expect(!(try storeB.nearest(to: [0, 1], in: "parts", k: 3).map(\.reference.sha256)).contains("b"))
        #expect(try storeA.verify().isConsistent && storeB.verify().isConsistent)
    }

    @Test("an unreachable database is 'unavailable' within the connect timeout, saying what to do")
    func unreachable() throws {
        let started = Date()
        var timeouts = PostgresTimeouts()
        timeouts.connect = .seconds(1)
        do {
            _ = try PostgresBackend(location: PostgresLocation(host: "127.0.0.1", port: 1, user: "echo", password: "secret-password", database: "echo"),
                                    timeouts: timeouts, logger: PostgresFixture.logger)
            Issue.record("connected to a closed port")
        } catch {
            #expect(error.code == .unavailable)
            #expect(error.message.contains("postgres://echo@127.0.0.1:1/echo") && !error.message.contains("secret-password"))
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("migrations run once when nodes start together, and are recorded")
    func concurrentMigration() throws {
        let database = try TestDatabase()
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try PostgresFixture.backend(database, connections: 1) } catch { failures.update { $0.append("\(error)") } }
        }
        #expect(failures.value.isEmpty, "\(failures.value)")
        #expect(try database.psql("SELECT count(*) FROM echo_migrations") == "\(EmbeddedPostgresMigrations.all.count)")
        _ = try PostgresBackend(location: PostgresLocation(url: database.url), readOnly: true, logger: PostgresFixture.logger)
    }

    @Test("store URLs: parts parsed, password kept out of descriptions, bad ones refused with the form to use")
    func locations() throws {
        let location = try PostgresLocation(url: "postgres://echo:s%40cret@db.plant:6543/golden")
        #expect(location == PostgresLocation(host: "db.plant", port: 6543, user: "echo", password: "s@cret", database: "golden"))
        #expect(location.description == "postgres://echo@db.plant:6543/golden")
        #expect(PostgresLocation.redacted("postgres://echo:hunter2@h/db") == "postgres://echo:***@h/db")
        #expect(try PostgresLocation(url: "postgresql://u@h/d").port == 5432)
        for bad in ["postgres://h/db", "postgres://u@h", "postgres://u@/db", "http://u@h/db", "postgres://u:pw@h/db?sslmode=bogus",
                    "postgres://u@h/db?sslmode=require&sslrootcert=/ca.pem", "postgres://u@h/db?application_name=x"] {
            #expect(throws: StoreError.self) { try PostgresLocation(url: bad) }
        }
        #expect(try PostgresLocation(url: "postgres://u@h/db").tls == .prefer, "libpq's default")
        #expect(try PostgresLocation(url: "postgres://u@h/db?sslmode=disable").tls == .disable)
        let verified = try PostgresLocation(url: "postgres://u:pw@h/db?sslmode=verify-full&sslrootcert=/etc/echo/ca.pem")
        #expect(verified.tls == .verifyFull(rootCertificate: "/etc/echo/ca.pem") && verified.description == "postgres://u@h:5432/db?sslmode=verify-full")
    }
}
