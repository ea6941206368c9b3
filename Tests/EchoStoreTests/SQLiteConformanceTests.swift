import EchoStore
import EchoStoreConformance
import Foundation
import GRDB
import Testing

/// The storage seam's conformance suite on the SQLite backend; the next backend's tests
/// run the same cases.
@Suite("SQLite backend conformance")
struct SQLiteConformanceTests {
    @Test(arguments: StoreBackendConformance.cases)
    func conforms(_ behaviour: BackendCase) throws {
        let directory = try TemporaryDirectory()
        try behaviour.check(try SQLiteBackend(path: directory.path + "/echo.sqlite", readOnly: false, busyTimeout: 5))
    }

    @Test("a vector, patch grid or memory bank whose bytes changed in the file is refused on read and listed by verify")
    func damagedValues() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/echo.sqlite"
        let backend = try SQLiteBackend(path: path, readOnly: false, busyTimeout: 5)
        try StoreBackendConformance.damagedValuesAreRefused(backend) { table, column, keyColumn, key in
            // Another connection, as another program (or the disk) would change the file.
            let other = try DatabaseQueue(path: path)
            try other.write { db in
                var bytes = try #require(try Data.fetchOne(db, sql: "SELECT \(column) FROM \(table) WHERE \(keyColumn) = ?", arguments: [key]))
                bytes[bytes.startIndex + 5] ^= 0x10
                try db.execute(sql: "UPDATE \(table) SET \(column) = ? WHERE \(keyColumn) = ?", arguments: [bytes, key])
            }
            try other.close()
        }
    }

    @Test("a ReferenceStore runs over a backend it is given, with its caches elsewhere")
    func storeOverAGivenBackend() throws {
        let directory = try TemporaryDirectory()
        let backend = try SQLiteBackend(path: directory.path + "/truth.sqlite", readOnly: false, busyTimeout: 5)
        let store = try ReferenceStore(backend: backend, cacheDirectory: directory.path + "/cache", mode: .readWrite, logger: StoreFixture.logger())
        let identity = EmbedderIdentity(id: "t", weightsSHA256: "0", globalDimension: 2, patchDimension: 0, inputSize: 0)
        _ = try store.ensureCategory("parts", embedder: identity)
        _ = try store.add([NewReference(sha256: "a", sourcePath: "a", width: 1, height: 1, vector: [1, 0]),
                           NewReference(sha256: "b", sourcePath: "b", width: 1, height: 1, vector: [0, 1])], to: "parts")
        #expect(try store.nearest(to: [0.9, 0.1], in: "parts", k: 1).first?.reference.sha256 == "a")
        try store.saveIndexes()
        #expect(try store.verify().isConsistent)
        // A second store over the same truth, with caches of its own, sees the same references.
        let other = try ReferenceStore(backend: backend, cacheDirectory: directory.path + "/cache2", mode: .readOnly, logger: StoreFixture.logger())
        #expect(try other.nearest(to: [0.1, 0.9], in: "parts", k: 1).first?.reference.sha256 == "b")
    }
}
