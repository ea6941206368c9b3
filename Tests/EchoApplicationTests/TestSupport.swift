@_exported import EchoTestSupport
import EchoApplication
import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Logging

enum AppFixture {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let embedder = Result { () throws(EmbeddingError) in try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)) }

    /// The use cases over a new store in `directory`.
    static func app(_ directory: TemporaryDirectory, limits: InputLimits = InputLimits()) throws -> EchoApp {
        let store = try ReferenceStore(directory: directory.path + "/store", logger: logger)
        return EchoApp(store: store, embedder: try embedder.get(), limits: limits, logger: logger)
    }

    /// `count` golden crops written as PNG files under `directory/golden`; their folder.
    static func goldenFiles(_ directory: TemporaryDirectory, count: Int = 6) throws -> String {
        let golden = directory.path + "/golden"
        try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        for i in 0..<count {
            try ImageEncoder.writePNG(try PaintedDataset.crop(dx: (i % 3) * 3, dy: (i / 3) * 3), toPath: "\(golden)/\(i).png")
        }
        return golden
    }

    /// PNG bytes of a crop.
    static func png(dx: Int = 1, dy: Int = 1) throws -> [UInt8] { try ImageEncoder.png(try PaintedDataset.crop(dx: dx, dy: dy)) }

    /// The code of the `EchoError` `body` throws, nil when it succeeds (and `internal`
    /// for anything but an `EchoError`, which a use case must never throw).
    static func code<T>(_ body: () throws -> T) -> EchoError.Code? {
        do {
            _ = try body()
            return nil
        } catch let error as EchoError {
            return error.code
        } catch {
            return EchoError.Code(rawValue: "not an EchoError: \(error)")
        }
    }
}
