import ArgumentParser
import EchoApplication
import EchoStore
import Foundation
import Logging

/// The time from a commit on node A to its arrival in node B's warm index, with no query
/// on B: two stores on one PostgreSQL database in this process (each with its own
/// connections and cache), B kept current by `CacheFreshness` with notifications or by
/// its poll alone.
struct ClusterVisibility: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster-visibility")

    @Option(help: "The PostgreSQL database (empty).") var url: String
    @Option var samples = 200
    @Flag(inversion: .prefixedNo, help: "LISTEN for commits (else the poll alone).") var notify = true
    @Option(help: "The poll interval, seconds.") var poll = 1.0

    func run() throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let cacheA = FileManager.default.temporaryDirectory.appendingPathComponent("echo-bench-a-\(UUID().uuidString)").path
        let cacheB = FileManager.default.temporaryDirectory.appendingPathComponent("echo-bench-b-\(UUID().uuidString)").path
        defer { for cache in [cacheA, cacheB] { try? FileManager.default.removeItem(atPath: cache) } }
        let nodeA = try StoreLocation(url, cache: cacheA, password: nil).open(.readWrite, lockTimeout: 5, logger: logger)
        let nodeB = try StoreLocation(url, cache: cacheB, password: nil).open(.readWrite, lockTimeout: 5, logger: logger)
        let identity = EmbedderIdentity(id: "bench/visibility", weightsSHA256: "0", globalDimension: 8, patchDimension: 0, inputSize: 0)
        let category = try nodeA.ensureCategory("visibility", embedder: identity)
        var generator = SystemRandomNumberGenerator()
        func reference(_ n: Int) -> NewReference {
            NewReference(sha256: String(format: "%064x", n), sourcePath: "v\(n)", width: 1, height: 1,
                         vector: (0..<8).map { _ in Float.random(in: -1...1, using: &generator) })
        }
        _ = try nodeA.add([reference(0)], to: "visibility")
        _ = try nodeB.nearest(to: [Float](repeating: 0.1, count: 8), in: "visibility", k: 1)
        let freshness = CacheFreshness(store: nodeB, poll: .milliseconds(Int64(poll * 1000)), notifications: notify, logger: logger)
        freshness.start()
        defer { freshness.stop() }
        if notify {
            let deadline = Date().addingTimeInterval(10)
            while !freshness.isListening, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
        var delays: [Double] = []
        var missed = 0
        for n in 1...samples {
            _ = try nodeA.add([reference(n)], to: "visibility")
            let committed = DispatchTime.now().uptimeNanoseconds
            let head = try nodeA.backend.head(ofCategory: category.id)
            let deadline = committed + UInt64(max(5, poll * 3) * 1e9)
            while (nodeB.cachedHead(ofCategoryID: category.id) ?? 0) < head, DispatchTime.now().uptimeNanoseconds < deadline {
                usleep(200)
            }
            if (nodeB.cachedHead(ofCategoryID: category.id) ?? 0) >= head {
                delays.append(Double(DispatchTime.now().uptimeNanoseconds - committed) / 1e6)
            } else {
                missed += 1
            }
            // A random pause, so commits do not fall in step with the poll.
            usleep(UInt32.random(in: 1000...max(2000, UInt32(notify ? 20_000 : poll * 1e6))))
        }
        delays.sort()
        func percentile(_ p: Double) -> Double { delays.isEmpty ? .nan : delays[min(delays.count - 1, Int(Double(delays.count) * p))] }
        try printJSON(["samples": Double(samples), "missed": Double(missed), "p50Milliseconds": percentile(0.5), "p99Milliseconds": percentile(0.99),
                       "maxMilliseconds": delays.last ?? .nan])
    }
}
