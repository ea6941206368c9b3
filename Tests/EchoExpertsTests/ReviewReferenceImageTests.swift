import Crypto
import EchoStore
import EchoStorePostgres
import EchoTestSupport
import FakeMLLMServer
import Foundation
import Logging
import Testing
@testable import EchoExperts
@testable import EchoVision

/// A node on another machine shows the MLLM the same golden samples: with a PostgreSQL
/// store the references' images come from the database, not from paths on the machine
/// that ingested them.
@Suite("Expert reviews take reference images from the store")
struct ReviewReferenceImageTests {
    @Test("a golden sample whose file is gone is still shown to the MLLM from the database; without the store the review falls back, saying why")
    func referenceFromDatabase() async throws {
        let database = try TestDatabase()
        let cache = try TemporaryDirectory()
        let backend = try PostgresBackend(location: PostgresLocation(url: database.url), logger: ExpertFixture.logger)
        let store = try ReferenceStore(backend: backend, cacheDirectory: cache.path, mode: .readWrite, logger: ExpertFixture.logger)
        let golden = [UInt8](try ExpertFixture.png(seed: 2))
        let sha = SHA256.hash(data: golden).map { String(format: "%02x", $0) }.joined()
        _ = try store.ensureCategory("bottle", embedder: EmbedderIdentity(id: "t", weightsSHA256: "w", globalDimension: 2, patchDimension: 0, inputSize: 0))
        let outcome = try store.add([NewReference(sha256: sha, sourcePath: "/ingested/elsewhere/1.png", width: 8, height: 8, vector: [1, 0], imageBytes: golden)],
                                    to: "bottle")
        guard case .added(let id) = try #require(outcome.first) else { Issue.record("not added"); return }
        let vision = InspectionResult(
            category: "bottle", score: 0.82, background: 0, threshold: 0.5, verdict: .anomalous,
            references: [ReferenceUsed(id: id, path: "/ingested/elsewhere/1.png", similarity: 0.97)],
            anomalyMap: AnomalyMap(width: 2, height: 2, values: [0, 0, 0, 0.82]), region: "bottom right",
            explanation: "Anomalous: score 0.820 exceeds the threshold 0.500.", thresholdIsStale: false, memoryBankPatches: nil)
        let query = try ExpertFixture.png(seed: 1, spot: true)
        let answer = "{\"verdict\": \"anomalous\", \"defect\": \"spot\", \"region\": \"bottom right\", \"explanation\": \"A dark spot.\"}"
        try await FakeMLLMServer.run(script: scripted(answer)) { url, server in
            let panel = ExpertPanel(model: try fakeModel(url), knowledge: nil, modules: ExpertModules(), logger: ExpertFixture.logger)
            let review = await panel.review(vision, category: "bottle", store: store) { () throws(ExpertError) in
                try ImageAttachment.from(bytes: [UInt8](query), label: "The image to inspect")
            }
            #expect(review.decidedBy == "experts" && review.explanation == "A dark spot.", "\(review)")
            #expect(server.requests.last?.images == [Data(golden), query], "the golden sample from the database, then the query")
            let without = await panel.review(vision, category: "bottle") { () throws(ExpertError) in
                try ImageAttachment.from(bytes: [UInt8](query), label: "The image to inspect")
            }
            #expect(without.decidedBy == "vision expert (MLLM failed)" && without.explanation.contains("MLLM not used"), "\(without)")
        }
    }
}
