@_exported import EchoTestSupport
import Foundation
import EchoIndex


enum TestData {
    /// `count` random vectors in [-1, 1), optionally L2-normalised.
    static func vectors(count: Int, dimension: Int, seed: UInt64, normalised: Bool = true) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var values = (0..<count * dimension).map { _ in Float.random(in: -1..<1, using: &generator) }
        if normalised { normalise(&values, dimension: dimension) }
        return values
    }

    /// Vectors lying near a `rank`-dimensional subspace (as real embeddings do), where
    /// approximate indexes are expected to reach high recall.
    static func lowRank(count: Int, dimension: Int, rank: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let basis = (0..<rank * dimension).map { _ in Float.random(in: -1..<1, using: &generator) }
        var values = [Float](repeating: 0, count: count * dimension)
        for row in 0..<count {
            for r in 0..<rank {
                let weight = Float.random(in: -1..<1, using: &generator)
                for column in 0..<dimension { values[row * dimension + column] += weight * basis[r * dimension + column] }
            }
            for column in 0..<dimension { values[row * dimension + column] += Float.random(in: -0.01..<0.01, using: &generator) }
        }
        normalise(&values, dimension: dimension)
        return values
    }

    static func normalise(_ values: inout [Float], dimension: Int) {
        for row in 0..<values.count / dimension {
            let range = row * dimension..<(row + 1) * dimension
            let norm = values[range].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in range { values[i] /= max(norm, 1e-12) }
        }
    }

    /// Exact top-k ids by brute force, nearest first, under `metric`.
    static func bruteForce(
        base: [Float], ids: [Int64], query: ArraySlice<Float>, dimension: Int, k: Int, metric: Metric
    ) -> [(id: Int64, score: Float)] {
        var scored: [(id: Int64, score: Float)] = []
        let q = Array(query)
        for row in 0..<ids.count {
            var score: Float = 0
            for c in 0..<dimension {
                let b = base[row * dimension + c]
                switch metric {
                case .innerProduct: score += b * q[c]
                case .l2: score += (b - q[c]) * (b - q[c])
                }
            }
            scored.append((ids[row], score))
        }
        scored.sort { metric.ranksBefore($0.score, $1.score) }
        return Array(scored.prefix(k))
    }

    /// Recall@k of `results` against exact brute force.
    static func recall(
        of results: SearchResults, base: [Float], ids: [Int64], queries: [Float], dimension: Int, metric: Metric
    ) -> Double {
        var hits = 0
        for q in 0..<results.queryCount {
            let exact = Set(bruteForce(
                base: base, ids: ids, query: queries[q * dimension..<(q + 1) * dimension],
                dimension: dimension, k: results.k, metric: metric
            ).map(\.id))
            hits += results.neighbours(ofQuery: q).filter { exact.contains($0.id) }.count
        }
        return Double(hits) / Double(results.queryCount * results.k)
    }
}

