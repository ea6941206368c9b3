import Testing
@testable import EchoIndex

@Suite("Ids: add, remove, duplicates")
struct IdentifierTests {
    @Test("added ids are found and removed ids never come back")
    func removedIdsAreNeverReturned() throws {
        let d = 16
        let base = TestData.vectors(count: 100, dimension: d, seed: 11)
        let index = try VectorIndex(dimension: d)
        try index.add(base, ids: (1000..<1100).map(Int64.init))
        #expect(index.count == 100)
        #expect(index.contains(1042))
        let removed = try index.remove(ids: [1042, 1043, 999_999])
        #expect(removed == 2)
        #expect(index.count == 98)
        #expect(!index.contains(1042))
        // Query with the removed vector itself: it must not be found.
        let query = Array(base[42 * d..<43 * d])
        let found = try index.search(query, k: 100).neighbours(ofQuery: 0).map(\.id)
        #expect(!found.contains(1042) && !found.contains(1043))
        #expect(found.count == 98)
        // The remaining ids still map to their own vectors after FAISS compacts storage.
        let other = Array(base[99 * d..<100 * d])
        #expect(try index.search(other, k: 1).neighbours(ofQuery: 0).first?.id == 1099)
    }

    @Test("an id already stored is rejected and nothing from the batch is added")
    func duplicateIdRejectsWholeBatch() throws {
        let index = try VectorIndex(dimension: 4)
        try index.add(TestData.vectors(count: 2, dimension: 4, seed: 12), ids: [1, 2])
        #expect {
            try index.add(TestData.vectors(count: 2, dimension: 4, seed: 13), ids: [3, 2])
        } throws: { ($0 as? IndexError)?.code == .duplicateID }
        #expect(index.count == 2)
        #expect(!index.contains(3))
    }

    @Test("an id repeated inside one batch is rejected")
    func repeatedIdInBatchRejected() throws {
        let index = try VectorIndex(dimension: 4)
        #expect(throws: IndexError.self) {
            try index.add(TestData.vectors(count: 2, dimension: 4, seed: 14), ids: [5, 5])
        }
        #expect(index.count == 0)
    }

    @Test("negative ids are rejected because -1 means no neighbour")
    func negativeIdRejected() throws {
        let index = try VectorIndex(dimension: 4)
        #expect {
            try index.add(TestData.vectors(count: 1, dimension: 4, seed: 15), ids: [-1])
        } throws: { ($0 as? IndexError)?.code == .invalidArgument }
    }
}
