internal import CEchoBLAS
internal import CEchoKernels
import Foundation

/// Greedy coreset subsampling, as PatchCore builds its memory bank: rows are picked one
/// at a time, each the row farthest from all rows picked so far (k-center greedy), so
/// that the picks cover the feature space with the smallest radius a greedy pass finds.
/// Selection runs on a seeded Gaussian random projection of the rows (Johnson–
/// Lindenstrauss, as PatchCore does) when they are wider than `projectedDimension`;
/// the picked rows themselves keep every dimension. Deterministic for the same input.
public enum CoresetSampler {
    /// The row numbers of a greedy coreset of `count` rows out of `rows` (row-major,
    /// `dimension` wide), in the order they were picked. The first pick is the row
    /// farthest from the mean. `count` is clamped to the number of rows, and fewer are returned when
    /// the picks already cover every row exactly (duplicates).
    public static func select(_ rows: [Float], dimension: Int, count: Int, projectedDimension: Int = 64, seed: UInt64 = 0x5EED) -> [Int] {
        precondition(dimension > 0 && rows.count % dimension == 0, "rows must be a whole number of \(dimension)-d rows")
        let n = rows.count / dimension
        let m = min(count, n)
        guard m > 0 else { return [] }
        let (space, width) = project(rows, n: n, dimension: dimension, to: projectedDimension, seed: seed)
        let first = farthestFromMean(space, n: n, dimension: width)
        var selected = [Int64](repeating: 0, count: m)
        var coverage = [Float](repeating: 0, count: m)
        let status = space.withUnsafeBufferPointer { x in
            selected.withUnsafeMutableBufferPointer { out in
                coverage.withUnsafeMutableBufferPointer { cover in
                    echo_greedy_coreset(x.baseAddress, Int64(n), Int32(width), Int64(m), Int64(first), out.baseAddress, cover.baseAddress)
                }
            }
        }
        precondition(status == 0, "greedy coreset: scratch memory for \(n) distances could not be allocated")
        // Once every row lies on a pick (coverage 0), further picks would only repeat rows.
        let useful = (coverage.firstIndex { $0 <= 0 }).map { $0 + 1 } ?? m
        return selected.prefix(useful).map(Int.init)
    }

    /// `rows` times a Gaussian matrix scaled by 1/√target (distances kept in expectation),
    /// or `rows` unchanged when they are not wider than `target`.
    static func project(_ rows: [Float], n: Int, dimension: Int, to target: Int, seed: UInt64) -> ([Float], Int) {
        guard target > 0, dimension > target else { return (rows, dimension) }
        var generator = SplitMix64(seed: seed)
        let scale = 1 / Float(target).squareRoot()
        var matrix = [Float](repeating: 0, count: target * dimension)
        for i in 0..<matrix.count { matrix[i] = generator.nextGaussian() * scale }
        var projected = [Float](repeating: 0, count: n * target)
        rows.withUnsafeBufferPointer { a in
            matrix.withUnsafeBufferPointer { b in
                projected.withUnsafeMutableBufferPointer { c in
                    echo_sgemm_abt(Int32(n), Int32(target), Int32(dimension), a.baseAddress, b.baseAddress, 0, c.baseAddress)
                }
            }
        }
        return (projected, target)
    }

    /// The row farthest (squared L2) from the mean of the rows.
    private static func farthestFromMean(_ rows: [Float], n: Int, dimension: Int) -> Int {
        rows.withUnsafeBufferPointer { x in
            var mean = [Float](repeating: 0, count: dimension)
            for i in 0..<n { for j in 0..<dimension { mean[j] += x[i * dimension + j] } }
            for j in 0..<dimension { mean[j] /= Float(n) }
            var best = 0, bestDistance: Float = -1
            for i in 0..<n {
                var distance: Float = 0
                for j in 0..<dimension {
                    let difference = x[i * dimension + j] - mean[j]
                    distance += difference * difference
                }
                if distance > bestDistance { (best, bestDistance) = (i, distance) }
            }
            return best
        }
    }
}

/// SplitMix64 with Box–Muller Gaussians: a small seeded generator, the same on every
/// platform, so coresets are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func nextGaussian() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), .leastNormalMagnitude)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}
