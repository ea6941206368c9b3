import Testing
@testable import EchoIndex

@Suite("Exact (Flat) search")
struct ExactSearchTests {
    let dimension = 64

    @Test("single queries (SIMD scan path) match brute force for both metrics",
          arguments: [Metric.innerProduct, .l2])
    func singleQueriesMatchBruteForce(metric: Metric) throws {
        let base = TestData.vectors(count: 500, dimension: dimension, seed: 1)
        let ids = (0..<500).map { Int64($0 * 7 + 3) }
        let index = try VectorIndex(dimension: dimension, description: "Flat", metric: metric)
        try index.add(base, ids: ids)
        let queries = TestData.vectors(count: 5, dimension: dimension, seed: 2)
        for q in 0..<5 {
            let query = Array(queries[q * dimension..<(q + 1) * dimension])
            let found = try index.search(query, k: 10).neighbours(ofQuery: 0)
            let exact = TestData.bruteForce(base: base, ids: ids, query: query[...], dimension: dimension, k: 10, metric: metric)
            #expect(found.map(\.id) == exact.map(\.id))
            for (a, b) in zip(found, exact) { #expect(abs(a.score - b.score) < 1e-4) }
        }
    }

    @Test("a batch above FAISS's BLAS threshold matches brute force", arguments: [Metric.innerProduct, .l2])
    func batchedQueriesMatchBruteForce(metric: Metric) throws {
        let base = TestData.vectors(count: 300, dimension: dimension, seed: 3)
        let ids = (0..<300).map(Int64.init)
        let index = try VectorIndex(dimension: dimension, metric: metric)
        try index.add(base, ids: ids)
        let queries = TestData.vectors(count: 40, dimension: dimension, seed: 4)
        let results = try index.search(queries, k: 5)
        #expect(results.queryCount == 40)
        for q in 0..<40 {
            let exact = TestData.bruteForce(
                base: base, ids: ids, query: queries[q * dimension..<(q + 1) * dimension],
                dimension: dimension, k: 5, metric: metric)
            #expect(results.neighbours(ofQuery: q).map(\.id) == exact.map(\.id))
        }
    }

    @Test("a dimension that is not a multiple of the SIMD width still scores exactly")
    func oddDimensionScoresExactly() throws {
        let d = 13
        let base = TestData.vectors(count: 50, dimension: d, seed: 5)
        let index = try VectorIndex(dimension: d, metric: .l2)
        try index.add(base, ids: (0..<50).map(Int64.init))
        let query = Array(base[7 * d..<8 * d])
        let top = try index.search(query, k: 1).neighbours(ofQuery: 0)
        #expect(top == [Neighbour(id: 7, score: 0)])
    }

    @Test("k larger than the stored count leaves the extra ranks empty")
    func kBeyondCountLeavesEmptyRanks() throws {
        let index = try VectorIndex(dimension: 4)
        try index.add(TestData.vectors(count: 3, dimension: 4, seed: 6), ids: [10, 11, 12])
        let results = try index.search(TestData.vectors(count: 1, dimension: 4, seed: 7), k: 5)
        #expect(results.ids.suffix(2) == [-1, -1])
        #expect(Set(results.neighbours(ofQuery: 0).map(\.id)) == [10, 11, 12])
    }

    @Test("searching an empty index returns no neighbours")
    func emptyIndexReturnsNothing() throws {
        let index = try VectorIndex(dimension: 8)
        let results = try index.search(TestData.vectors(count: 1, dimension: 8, seed: 8), k: 3)
        #expect(results.neighbours(ofQuery: 0).isEmpty)
    }
}

@Suite("Exact search split over threads")
struct ParallelScanTests {
    @Test("a single-query scan large enough to be split over threads matches brute force")
    func splitScanMatchesBruteForce() throws {
        let d = 128, count = 40_000 // 5.1 M floats: above the 4 M-float split threshold
        ComputeRuntime.setScanThreadCount(3)
        let base = TestData.vectors(count: count, dimension: d, seed: 51)
        let ids = (0..<count).map { Int64($0) + 1 }
        let index = try VectorIndex(dimension: d)
        try index.add(base, ids: ids)
        let queries = TestData.vectors(count: 3, dimension: d, seed: 52)
        for q in 0..<3 {
            let query = Array(queries[q * d..<(q + 1) * d])
            let found = try index.search(query, k: 20).neighbours(ofQuery: 0).map(\.id)
            let exact = TestData.bruteForce(base: base, ids: ids, query: query[...], dimension: d, k: 20, metric: .innerProduct)
            #expect(found == exact.map(\.id))
        }
    }
}
