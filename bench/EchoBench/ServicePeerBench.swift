import ArgumentParser
import Dispatch
import EchoEmbedding
import EchoImaging
import EchoIndex
import EchoReferences
import EchoStore
import EchoVision
import Foundation
import Logging

/// The in-process peer of the HTTP load benchmark: the same work a `query` or `inspect`
/// request does (decode the image bytes, embed, search or score), from `concurrency`
/// threads for a fixed time, without HTTP.
struct ServicePeer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "service-peer")

    @Option var store: String
    @Option var category: String
    @Option var image: String
    @Option(help: "query or inspect") var operation: String
    @Option var concurrency = 1
    @Option var seconds = 10.0
    @Option var k = 5

    struct Result: Codable {
        var operation: String
        var concurrency: Int
        var requests: Int
        var requestsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var errors: Int
    }

    func run() throws {
        // The same threading as `echoctl serve`: every core, one BLAS thread per call.
        ComputeRuntime.configureThreads(ProcessInfo.processInfo.activeProcessorCount)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let references = try ReferenceStore(directory: store, mode: .readOnly, logger: logger)
        let embedder = try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let vision = VisionExpert(store: references, embedder: embedder)
        let extractor = ReferenceExtractor(store: references, embedder: embedder)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: image)))
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let lock = NSLock()
        nonisolated(unsafe) var latencies: [Double] = []
        nonisolated(unsafe) var errors = 0
        let inspect = operation == "inspect", category = self.category, k = self.k
        DispatchQueue.concurrentPerform(iterations: concurrency) { _ in
            var mine: [Double] = [], failed = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                let start = DispatchTime.now().uptimeNanoseconds
                do {
                    let decoded = try ImageDecoder().decode(bytes)
                    if inspect {
                        _ = try vision.inspect(decoded, category: category)
                    } else {
                        _ = try extractor.nearestNormals(to: decoded, category: category, k: k)
                    }
                } catch {
                    failed += 1
                }
                mine.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            lock.withLock {
                latencies += mine
                errors += failed
            }
        }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        try printJSON(Result(operation: operation, concurrency: concurrency, requests: sorted.count,
                             requestsPerSecond: Double(sorted.count) / seconds, p50Milliseconds: percentile(0.5),
                             p99Milliseconds: percentile(0.99), errors: errors))
    }
}
