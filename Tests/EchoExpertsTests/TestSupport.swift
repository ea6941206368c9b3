@_exported import EchoTestSupport
import EchoExperts
import EchoImaging
import EchoStore
import Foundation
import Logging

enum ExpertFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let knowledgeExcerpt = directory + "/domain_knowledge_excerpt.json"
    static let sampleQuestions = directory + "/sample-questions.json"
    /// The real, complete MMAD knowledge file, where this machine has the shared data.
    static let realKnowledge = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/data/mmad/domain_knowledge.json").standardized.path
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A store with the excerpt's knowledge (bottle, candle) imported.
    static func knowledgeStore(_ directory: TemporaryDirectory) throws -> ReferenceStore {
        let store = try ReferenceStore(directory: directory.path + "/store", logger: logger)
        try store.importKnowledge(try KnowledgeImporter.entries(fromFile: knowledgeExcerpt))
        return store
    }

    /// A distinct 64×64 RGB PNG for `seed` (stripes whose period and colour follow the seed).
    static func png(seed: Int, spot: Bool = false) throws -> Data {
        var pixels = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 {
            for x in 0..<64 {
                let stripe = ((x + y * (seed % 3)) / (4 + seed % 5)) % 2
                for c in 0..<3 { pixels[(y * 64 + x) * 3 + c] = UInt8((stripe * 120 + seed * 37 + c * 50) % 256) }
                if spot, (x - 40) * (x - 40) + (y - 40) * (y - 40) < 36 { for c in 0..<3 { pixels[(y * 64 + x) * 3 + c] = c == 0 ? 255 : 0 } }
            }
        }
        return Data(try ImageEncoder.png(try Image(width: 64, height: 64, format: .rgb, pixels: pixels)))
    }
}
