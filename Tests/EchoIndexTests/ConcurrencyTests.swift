import Foundation
import Testing
@testable import EchoIndex

@Suite("Concurrent use")
struct ConcurrencyTests {
    @Test("searches running while one writer adds always see a consistent index")
    func searchesDuringWrites() async throws {
        let d = 32
        let index = try VectorIndex(dimension: d)
        let batches = 40, perBatch = 25
        let data = TestData.vectors(count: batches * perBatch, dimension: d, seed: 41)
        let queries = TestData.vectors(count: 4, dimension: d, seed: 42)

        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for b in 0..<batches {
                    let slice = Array(data[b * perBatch * d..<(b + 1) * perBatch * d])
                    try index.add(slice, ids: (b * perBatch..<(b + 1) * perBatch).map(Int64.init))
                }
                return 0
            }
            for reader in 0..<3 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<200 {
                        let results = try index.search(queries, k: 5)
                        for q in 0..<4 {
                            let found = results.neighbours(ofQuery: q)
                            // Every id returned must be one that was added, scores sorted.
                            if found.contains(where: { $0.id < 0 || $0.id >= Int64(batches * perBatch) }) { bad += 1 }
                            if zip(found, found.dropFirst()).contains(where: { $0.score < $1.score }) { bad += 1 }
                        }
                    }
                    _ = reader
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(index.count == batches * perBatch)
    }
}
