import ArgumentParser
import EchoEmbedding
import EchoImaging
import EchoIndex
import EchoReferences
import EchoStore
import Foundation
import Logging

/// The reference store's ingest and query speed on vectors the driver wrote.
struct StoreWork: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store")

    @Option var vectors: String
    @Option var queries: String
    @Option var dimension: Int
    @Option var directory: String
    @Option var batch = 256
    @Option var k = 10

    struct Result: Codable {
        var count: Int
        var ingestVectorsPerSecond: Double
        var queryP50Milliseconds: Double
        var queryP99Milliseconds: Double
        var reopenSeconds: Double
    }

    func run() throws {
        ComputeRuntime.configureThreads(ProcessInfo.processInfo.activeProcessorCount)
        let base = try readFloats(vectors), queryVectors = try readFloats(queries)
        let count = base.count / dimension
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let identity = EmbedderIdentity(id: "bench", weightsSHA256: "none", globalDimension: dimension, patchDimension: 0, inputSize: 0)
        var store: ReferenceStore? = try ReferenceStore(directory: directory, logger: logger)
        let ingest = try seconds {
            _ = try store!.ensureCategory("bench", embedder: identity)
            var start = 0
            while start < count {
                let end = min(start + batch, count)
                let references = (start..<end).map { i in
                    NewReference(sha256: "vector-\(i)", sourcePath: "/golden/\(i).png", width: 300, height: 300,
                                 metadata: ["line": String(i % 4)], vector: Array(base[i * dimension..<(i + 1) * dimension]))
                }
                _ = try store!.add(references, to: "bench")
                start = end
            }
            try store!.saveIndexes()
        }
        store = nil
        var reopened: ReferenceStore?
        let reopen = try seconds {
            reopened = try ReferenceStore(directory: directory, mode: .readOnly, logger: logger)
            _ = try reopened!.nearest(to: Array(queryVectors[0..<dimension]), in: "bench", k: k)
        }
        var latencies: [Double] = []
        for q in 0..<queryVectors.count / dimension {
            let query = Array(queryVectors[q * dimension..<(q + 1) * dimension])
            latencies.append(try seconds { _ = try reopened!.nearest(to: query, in: "bench", k: k) } * 1000)
        }
        latencies.sort()
        try printJSON(Result(count: count, ingestVectorsPerSecond: Double(count) / ingest,
                             queryP50Milliseconds: latencies[latencies.count / 2],
                             queryP99Milliseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                             reopenSeconds: reopen))
    }
}

/// End-to-end ingest of real image files (decode, embed, commit) into a fresh store.
struct IngestImages: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ingest-images")

    @Option var directory: String
    @Argument var files: [String]

    struct Result: Codable {
        var images: Int
        var imagesPerSecond: Double
    }

    func run() throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        ComputeRuntime.configureThreads(cores)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let store = try ReferenceStore(directory: directory, logger: logger)
        let ingestor = Ingestor(store: store, embedder: try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)), logger: logger)
        var report: IngestReport?
        let time = try seconds { report = try ingestor.ingest(files, options: IngestOptions(category: "cells", concurrency: cores)) }
        try printJSON(Result(images: report!.added, imagesPerSecond: Double(report!.added) / time))
    }
}
