import EchoEmbedding
import EchoIndex
import Foundation
import Testing
@testable import EchoVision

@Suite("Patch scoring")
struct PatchScorerTests {
    /// Deterministic values in [-1, 1) (a linear congruential sequence), so a failure repeats.
    static func values(_ count: Int, seed: UInt32) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Float(state >> 8) / Float(1 << 23) - 1
        }
    }

    static func patches(height: Int, width: Int, dimension: Int, seed: UInt32) throws -> PatchFeatures {
        try PatchFeatures(height: height, width: width, dimension: dimension, values: values(height * width * dimension, seed: seed))
    }

    @Test("each patch's score is the distance to its nearest reference patch, across tiles and golden samples")
    func nearestDistanceIsTheDefinition() throws {
        // 300 query patches (more than two query tiles), two golden samples of 560 patches
        // (more than one reference tile each), 37-d (no multiple of a vector).
        let query = try Self.patches(height: 15, width: 20, dimension: 37, seed: 1)
        let references = [try Self.patches(height: 20, width: 28, dimension: 37, seed: 2), try Self.patches(height: 20, width: 28, dimension: 37, seed: 3)]
        let map = try PatchScorer.score(query, against: references)
        #expect(map.width == 20 && map.height == 15)
        var worst: Float = 0
        for q in 0..<query.count {
            var best = Double.infinity
            for reference in references {
                for r in 0..<reference.count {
                    var sum = 0.0
                    for c in 0..<37 {
                        let d = Double(query.values[q * 37 + c]) - Double(reference.values[r * 37 + c])
                        sum += d * d
                    }
                    best = min(best, sum)
                }
            }
            worst = max(worst, abs(map.values[q] - Float(best.squareRoot())))
        }
        #expect(worst < 1e-3, "largest difference from the definition: \(worst)")
    }

    @Test("Echo's AVX-512 kernel and the BLAS path give the same squared distances")
    func bothPathsAgree() throws {
        let query = try Self.patches(height: 13, width: 7, dimension: 152, seed: 21)
        let references = [try Self.patches(height: 28, width: 28, dimension: 152, seed: 22), try Self.patches(height: 3, width: 5, dimension: 152, seed: 23)]
        let byBLAS = try PatchScorer.nearestByBLAS(query, references)
        #expect(PatchScorer.ownKernelAvailable == Self.cpuHasAVX512F, "the AVX-512 kernel runs exactly where the CPU has AVX-512F")
        guard PatchScorer.ownKernelAvailable else { return }
        let own = try PatchScorer.nearestOnOwnKernel(query, references)
        let worst = zip(own, byBLAS).map { abs($0 - $1) / max($1, 1) }.max() ?? 0
        #expect(worst < 1e-5, "largest relative difference \(worst)")
    }

    static var cpuHasAVX512F: Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return line.split(separator: " ").contains("avx512f")
    }

    @Test("a patch equal to a reference patch scores 0, never a negative or NaN distance")
    func exactMatchIsZero() throws {
        let reference = try Self.patches(height: 4, width: 4, dimension: 152, seed: 9)
        let map = try PatchScorer.score(reference, against: [reference])
        #expect(map.values.allSatisfy { $0 >= 0 && $0 < 1e-2 }, "\(map.values.max() ?? 0)")
    }

    @Test("references of another width are refused; none at all leave every patch infinitely far")
    func mismatchedAndMissingReferences() throws {
        let query = try Self.patches(height: 2, width: 2, dimension: 8, seed: 4)
        #expect(throws: IndexError.self) { try PatchScorer.score(query, against: [try Self.patches(height: 2, width: 2, dimension: 9, seed: 5)]) }
        #expect(try PatchScorer.score(query, against: []).values.allSatisfy { $0 == .infinity })
    }
}
