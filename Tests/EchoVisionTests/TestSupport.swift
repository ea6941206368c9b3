import EchoReferences
@_exported import EchoTestSupport
import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging
@testable import EchoVision


enum VisionFixture {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let embedder = Result { () throws(EmbeddingError) in try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)) }

    static func crop(dx: Int, dy: Int) throws -> Image { try PaintedDataset.crop(dx: dx, dy: dy) }

    static func scratched(_ image: Image, box: (x0: Int, y0: Int, x1: Int, y1: Int)) throws -> Image {
        try PaintedDataset.scratched(image, box: box)
    }

    /// A store with golden samples: crops at small offsets, written as PNG files and ingested.
    static func goldenStore(_ directory: TemporaryDirectory, count: Int = 8) throws -> (ReferenceStore, ImageEmbedder) {
        let embedder = try VisionFixture.embedder.get()
        let store = try ReferenceStore(directory: directory.path + "/store", logger: logger)
        let golden = directory.path + "/golden"
        try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        for i in 0..<count {
            try ImageEncoder.writePNG(try crop(dx: (i % 4) * 3, dy: (i / 4) * 3), toPath: "\(golden)/\(i).png")
        }
        _ = try EchoReferences.Ingestor(store: store, embedder: embedder, logger: logger)
            .ingest([golden], options: .init(category: "cat"))
        return (store, embedder)
    }
}
