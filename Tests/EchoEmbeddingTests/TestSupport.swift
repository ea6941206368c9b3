@_exported import EchoTestSupport
import EchoImaging
import Foundation
@testable import EchoEmbedding

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    struct Golden: Decodable {
        let image: String
        let globalEmbedding: [Float]
        let patchGrid: [Int]
        let patchPositions: [[Int]]
        let patchFeatures: [[Float]]
        let patchMean: [Float]
        let top5: [Int]
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: directory.appendingPathComponent("golden.json")))
    }
}

/// The one embedder the tests share (loading 18 MB of weights once). Tests fail with the
/// install command when the weights are missing: `make test` installs them.
enum SharedEmbedder {
    static let result = Result { () throws(EmbeddingError) in try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)) }
    static func get() throws -> ImageEmbedder { try result.get() }
}


func maxAbsDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}
