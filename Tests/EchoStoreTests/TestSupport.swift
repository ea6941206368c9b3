@_exported import EchoTestSupport
import EchoEmbedding
import Foundation
import Logging
@testable import EchoStore


/// Collects log messages in memory (tests never bootstrap the logging system).
final class LogRecorder: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lock.withLock { recorded.append(event.message.description) } }
    var messages: [String] { lock.withLock { recorded } }
}

enum StoreFixture {
    static let dimension = 16
    static let identity = EmbedderIdentity(id: "test/embedder", weightsSHA256: "abc", globalDimension: dimension, patchDimension: 4, inputSize: 0)

    static func logger(_ recorder: LogRecorder = LogRecorder()) -> Logger {
        Logger(label: "test") { _ in recorder }
    }

    static func open(_ directory: TemporaryDirectory, mode: ReferenceStore.Mode = .readWrite, recorder: LogRecorder = LogRecorder(),
                     timeout: TimeInterval = 1) throws -> ReferenceStore {
        try ReferenceStore(directory: directory.path, mode: mode, lockTimeout: timeout, logger: logger(recorder))
    }

    /// A deterministic unit vector.
    static func vector(_ seed: Int) -> [Float] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var values = (0..<dimension).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        values = values.map { $0 / norm }
        return values
    }

    static func reference(_ seed: Int, metadata: [String: String] = [:], patches: PatchFeatures? = nil) -> NewReference {
        NewReference(sha256: "hash-\(seed)", sourcePath: "/golden/\(seed).png", width: 10, height: 10, metadata: metadata,
                     vector: vector(seed), patches: patches)
    }

    static func addedIDs(_ outcomes: [AddOutcome]) -> [Int64] {
        outcomes.compactMap { if case .added(let id) = $0 { id } else { nil } }
    }
}
