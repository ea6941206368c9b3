import Glibc
import EchoEmbedding
import Foundation
import Testing
@testable import EchoStore

@Suite("Store errors are typed and clear")
struct StoreErrorTests {
    @Test("an unknown category names the known ones")
    func unknownCategory() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        #expect(performing: { _ = try store.nearest(to: StoreFixture.vector(1), in: "cable", k: 1) },
                throws: { ($0 as? StoreError)?.code == .unknownCategory && ($0 as? StoreError)?.message.contains("bottle") == true })
    }

    @Test("vectors from another embedder or of another size are refused")
    func incompatibleVectors() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        let other = EmbedderIdentity(id: "other", weightsSHA256: "def", globalDimension: 16, patchDimension: 4, inputSize: 0)
        #expect(performing: { _ = try store.ensureCategory("bottle", embedder: other) },
                throws: { ($0 as? StoreError)?.code == .incompatible })
        #expect(performing: { _ = try store.nearest(to: StoreFixture.vector(1), in: "bottle", k: 1, embedder: other) },
                throws: { ($0 as? StoreError)?.code == .incompatible })
        #expect(performing: { _ = try store.nearest(to: [1, 0, 0], in: "bottle", k: 1) },
                throws: { ($0 as? StoreError)?.code == .incompatible })
        var wrong = StoreFixture.reference(1)
        wrong.vector = [1, 2, 3]
        #expect(performing: { _ = try store.add([wrong], to: "bottle") }, throws: { ($0 as? StoreError)?.code == .incompatible })
        #expect(try store.list(category: "bottle").isEmpty)
    }

    @Test("k ≤ 0 and a bad index description are invalid arguments")
    func invalidArguments() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        #expect(performing: { _ = try store.nearest(to: StoreFixture.vector(1), in: "bottle", k: 0) },
                throws: { ($0 as? StoreError)?.code == .invalidArgument })
        #expect(performing: { _ = try store.ensureCategory("cable", embedder: StoreFixture.identity, indexSpecification: "Bogus9") },
                throws: { ($0 as? StoreError)?.code == .invalidIndex })
        // An existing category too: the description is bad input either way.
        #expect(performing: { _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity, indexSpecification: "Bogus9") },
                throws: { ($0 as? StoreError)?.code == .invalidIndex })
    }

    @Test("a second writer on the same store gets a busy error naming the holder")
    func secondWriterIsBusy() throws {
        let directory = try TemporaryDirectory()
        let first = try StoreFixture.open(directory)
        #expect(performing: { _ = try StoreFixture.open(directory, timeout: 0.2) },
                throws: { ($0 as? StoreError)?.code == .busy && ($0 as? StoreError)?.message.contains("\(getpid())") == true })
        // Readers are never blocked by the writer.
        let reader = try StoreFixture.open(directory, mode: .readOnly)
        #expect(try reader.categories().isEmpty)
        withExtendedLifetime(first) {}
    }

    @Test("opening a missing store read-only says how to create one; writes to a read-only store are refused")
    func readOnlyStore() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/nothing-here"
        #expect(performing: { _ = try ReferenceStore(directory: missing, mode: .readOnly, logger: StoreFixture.logger()) },
                throws: { ($0 as? StoreError)?.code == .notFound && ($0 as? StoreError)?.message.contains("echoctl ingest") == true })
        do { _ = try StoreFixture.open(directory) }
        let reader = try StoreFixture.open(directory, mode: .readOnly)
        #expect(performing: { _ = try reader.ensureCategory("x", embedder: StoreFixture.identity) },
                throws: { ($0 as? StoreError)?.code == .readOnly })
    }

    @Test("removing an id that is not live changes nothing and names the id")
    func removeUnknownId() throws {
        let directory = try TemporaryDirectory()
        let store = try StoreFixture.open(directory)
        _ = try store.ensureCategory("bottle", embedder: StoreFixture.identity)
        let ids = StoreFixture.addedIDs(try store.add([StoreFixture.reference(1)], to: "bottle"))
        #expect(performing: { try store.remove(ids: [ids[0], 999]) },
                throws: { ($0 as? StoreError)?.code == .invalidArgument && ($0 as? StoreError)?.message.contains("999") == true })
        #expect(try store.list(category: "bottle").count == 1)
    }
}
