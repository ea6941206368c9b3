import EchoReferences
@_exported import EchoTestSupport
import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging
@testable import EchoVision


enum VisionFixture {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EchoEmbeddingTests/Fixtures/chelsea.jpg").standardized.path
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let embedder = Result { () throws(EmbeddingError) in try ImageEmbedder() }

    /// A 200×200 crop of the real photo at an offset: the golden samples are slightly
    /// shifted views of one scene, as a fixed camera sees parts on a line.
    static func crop(dx: Int, dy: Int) throws -> Image {
        let source = try ImageDecoder().decodeFile(atPath: photo)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(200 * 200 * 3)
        for y in 0..<200 { for x in 0..<200 { for c in 0..<3 { pixels.append(source[120 + dx + x, 40 + dy + y, c]) } } }
        return try Image(width: 200, height: 200, format: .rgb, pixels: pixels)
    }

    /// `image` with a dark scratch painted inside the box (x0..<x1, y0..<y1).
    static func scratched(_ image: Image, box: (x0: Int, y0: Int, x1: Int, y1: Int)) throws -> Image {
        var copy = image
        for y in box.y0..<box.y1 {
            for x in box.x0..<box.x1 where abs((x - box.x0) - (y - box.y0)) <= 3 {
                for c in 0..<3 { copy[x, y, c] = c == 0 ? 250 : 10 }
            }
        }
        return copy
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
