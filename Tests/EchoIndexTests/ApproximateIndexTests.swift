import Testing
@testable import EchoIndex

@Suite("HNSW and IVF indexes")
struct ApproximateIndexTests {
    let d = 48

    @Test("HNSW reaches recall ≥ 0.9 on low-rank data")
    func hnswRecall() throws {
        let base = TestData.lowRank(count: 3000, dimension: d, rank: 8, seed: 31)
        let ids = (0..<3000).map(Int64.init)
        let index = try VectorIndex(dimension: d, description: "HNSW32")
        try index.add(base, ids: ids)
        try index.setParameter("efSearch", to: 64)
        let queries = TestData.lowRank(count: 50, dimension: d, rank: 8, seed: 32)
        let recall = TestData.recall(of: try index.search(queries, k: 10), base: base, ids: ids, queries: queries, dimension: d, metric: .innerProduct)
        #expect(recall >= 0.9, "recall \(recall)")
    }

    @Test("IVF reaches recall ≥ 0.9 with nprobe set, and supports removal")
    func ivfRecallAndRemoval() throws {
        let base = TestData.lowRank(count: 3000, dimension: d, rank: 8, seed: 33)
        let ids = (0..<3000).map { Int64($0) * 2 }
        let index = try VectorIndex(dimension: d, description: "IVF32,Flat")
        #expect(!index.isTrained)
        try index.train(base)
        try index.add(base, ids: ids)
        try index.setParameter("nprobe", to: 8)
        let queries = TestData.lowRank(count: 50, dimension: d, rank: 8, seed: 34)
        let recall = TestData.recall(of: try index.search(queries, k: 10), base: base, ids: ids, queries: queries, dimension: d, metric: .innerProduct)
        #expect(recall >= 0.9, "recall \(recall)")

        #expect(index.supportsRemoval)
        #expect(try index.remove(ids: [0, 2, 4]) == 3)
        #expect(index.count == 2997)
        let self0 = Array(base[0..<d])
        #expect(!(try index.search(self0, k: 5).neighbours(ofQuery: 0).map(\.id).contains(0)))
    }

    @Test("adding to an untrained IVF index is a notTrained error")
    func untrainedIvfAddFails() throws {
        let index = try VectorIndex(dimension: d, description: "IVF16,Flat")
        #expect(performing: { try index.add(TestData.vectors(count: 1, dimension: d, seed: 35), ids: [1]) },
                throws: { ($0 as? IndexError)?.code == .notTrained })
    }

    @Test("removing from HNSW is unsupported and leaves the index intact")
    func hnswRemovalUnsupported() throws {
        let index = try VectorIndex(dimension: d, description: "HNSW16")
        try index.add(TestData.vectors(count: 10, dimension: d, seed: 36), ids: (0..<10).map(Int64.init))
        #expect(!index.supportsRemoval)
        #expect(performing: { try index.remove(ids: [1]) },
                throws: { ($0 as? IndexError)?.code == .unsupported })
        #expect(index.count == 10)
    }

    @Test("an unknown runtime parameter is an invalidArgument error")
    func unknownParameterRejected() throws {
        let index = try VectorIndex(dimension: d, description: "HNSW16")
        #expect(performing: { try index.setParameter("nonsense", to: 1) },
                throws: { ($0 as? IndexError)?.code == .invalidArgument })
    }
}
