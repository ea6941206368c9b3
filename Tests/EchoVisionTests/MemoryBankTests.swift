import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("The memory bank")
struct MemoryBankTests {
    @Test("a bank of every patch changes no leave-one-out score when the neighbours already cover every other golden sample")
    func fullBankExcludesOwnPatches() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 5)
        var settings = VisionExpert.Configuration()
        settings.neighbours = 4
        let expert = VisionExpert(store: store, embedder: embedder, configuration: settings)
        let without = try expert.calibrate(category: "cat")
        let bank = try expert.buildMemoryBank(category: "cat", ratio: 1)
        #expect(bank.count == 5 * 28 * 28)
        #expect(Set(bank.origins).count == 5)
        let with = try expert.calibrate(category: "cat")
        // Own patches left out, the bank holds exactly the patches the 4 neighbours hold: the
        // same distances, up to the rounding of two GEMM paths (FAISS for the bank, Echo's
        // tiled kernel for the neighbours), a few parts in a million of the distance.
        for (a, b) in zip(without.scores, with.scores) { #expect(abs(a - b) <= 1e-5 * max(a, b, 1), "\(a) vs \(b)") }
        #expect(with.scores.allSatisfy { $0 > 0 })
        #expect(with.method.contains("memory bank of 3920 patches"))
    }

    @Test("a bank only lowers patch distances, and inspection reports that it used it")
    func bankLowersScores() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 8)
        var settings = VisionExpert.Configuration()
        settings.neighbours = 1
        let expert = VisionExpert(store: store, embedder: embedder, configuration: settings)
        let query = try VisionFixture.scratched(try VisionFixture.crop(dx: 5, dy: 4), box: (120, 120, 180, 180))
        let before = try expert.inspect(query, category: "cat")
        #expect(before.memoryBankPatches == nil)
        let bank = try expert.buildMemoryBank(category: "cat", ratio: 0.1)
        #expect(bank.count == Int((8.0 * 784 * 0.1).rounded()))
        let after = try expert.inspect(query, category: "cat")
        #expect(after.memoryBankPatches == bank.count)
        #expect(after.explanation.contains("memory bank of \(bank.count) patches"))
        for (a, b) in zip(after.anomalyMap.values, before.anomalyMap.values) { #expect(a <= b + 1e-5) }
        // Still a defect: the scratch is unlike any normal patch, in the bank or not.
        #expect(after.anomalyMap.peakRegion == "bottom right")
    }

    @Test("the bank is stored with its reference-set version, goes stale on ingest and can be removed")
    func staleAndRemoved() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 4)
        let expert = VisionExpert(store: store, embedder: embedder)
        let built = try expert.buildMemoryBank(category: "cat", ratio: 0.05)
        let reopened = try ReferenceStore(directory: directory.path + "/store", mode: .readOnly, logger: VisionFixture.logger)
        let loaded = try #require(try reopened.memoryBank(of: "cat"))
        #expect(loaded.count == built.count && loaded.origins == built.origins && loaded.sourcePatches == 4 * 784)
        #expect(loaded.vectors.count == built.vectors.count)
        let statistics = try #require(try store.statistics(category: "cat").first)
        #expect(statistics.memoryBankPatches == built.count && statistics.memoryBankIsStale == false)

        try ImageEncoder.writePNG(try VisionFixture.crop(dx: 1, dy: 7), toPath: directory.path + "/extra.png")
        _ = try Ingestor(store: store, embedder: embedder, logger: VisionFixture.logger).ingest([directory.path + "/extra.png"], options: .init(category: "cat"))
        #expect(try store.statistics(category: "cat").first?.memoryBankIsStale == true)
        let result = try expert.inspect(try VisionFixture.crop(dx: 2, dy: 2), category: "cat")
        #expect(result.memoryBankPatches == nil, "a stale bank must not be used")

        #expect(try expert.removeMemoryBank(category: "cat"))
        #expect(try store.memoryBank(of: "cat") == nil)
        #expect(try !expert.removeMemoryBank(category: "cat"))
    }

    @Test("a ratio outside (0, 1] is a clear error")
    func badRatio() throws {
        let directory = try TemporaryDirectory()
        let (store, embedder) = try VisionFixture.goldenStore(directory, count: 2)
        let expert = VisionExpert(store: store, embedder: embedder)
        for ratio in [0.0, -0.5, 1.5] {
            #expect(throws: ReferenceExtractorError.self) { try expert.buildMemoryBank(category: "cat", ratio: ratio) }
        }
        #expect(try store.memoryBank(of: "cat") == nil)
    }
}
