import Testing
@testable import EchoVision

@Suite("Greedy coreset")
struct CoresetSamplerTests {
    /// Rows around three far-apart centres, `perCluster` each, with small seeded jitter.
    static func clusters(perCluster: Int, dimension: Int) -> [Float] {
        var generator = SplitMix64(seed: 7)
        var rows: [Float] = []
        for cluster in 0..<3 {
            for _ in 0..<perCluster {
                for j in 0..<dimension { rows.append((j % 3 == cluster ? 100 : 0) + generator.nextGaussian() * 0.1) }
            }
        }
        return rows
    }

    @Test("three picks from three far-apart clusters take one from each")
    func coversEveryCluster() {
        let picked = CoresetSampler.select(Self.clusters(perCluster: 40, dimension: 12), dimension: 12, count: 3)
        #expect(picked.count == 3)
        #expect(Set(picked.map { $0 / 40 }) == [0, 1, 2], "picked rows \(picked)")
    }

    @Test("wide rows are picked in a random projection and still cover every cluster")
    func projectionKeepsCoverage() {
        let picked = CoresetSampler.select(Self.clusters(perCluster: 30, dimension: 150), dimension: 150, count: 3, projectedDimension: 16)
        #expect(Set(picked.map { $0 / 30 }) == [0, 1, 2], "picked rows \(picked)")
    }

    @Test("the same rows give the same coreset")
    func deterministic() {
        let rows = Self.clusters(perCluster: 50, dimension: 100)
        let first = CoresetSampler.select(rows, dimension: 100, count: 20)
        #expect(first == CoresetSampler.select(rows, dimension: 100, count: 20))
        #expect(Set(first).count == 20)
    }

    @Test("picks stop once every row is covered, and the count is clamped to the rows")
    func duplicatesAndClamping() {
        let duplicated = [Float](repeating: 1, count: 8 * 4) + [Float](repeating: 5, count: 8 * 4)
        let picked = CoresetSampler.select(duplicated, dimension: 4, count: 10)
        #expect(picked.count == 2)
        #expect(Set(picked.map { $0 / 8 }) == [0, 1])
        #expect(CoresetSampler.select([1, 2, 3, 4], dimension: 2, count: 5).count == 2)
    }
}
