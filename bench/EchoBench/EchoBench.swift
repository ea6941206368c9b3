import ArgumentParser
import Dispatch
import EchoEmbedding
import EchoImaging
import EchoIndex
import Foundation

/// `echo-bench`: the Swift side of the benchmarks in `bench/`. Each subcommand reads
/// its inputs from files the Python driver wrote, times the work, and prints one JSON
/// object on standard output. Never run by the tests.
@main
struct EchoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-bench",
        abstract: "Echo's benchmark kernels (driven by bench/*.py).",
        subcommands: [IndexSearch.self, Embed.self, StoreWork.self, IngestImages.self, InspectSpeed.self, ServicePeer.self, ClusterVisibility.self])
}

/// Reads a raw little-endian float32 file.
func readFloats(_ path: String) throws -> [Float] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Flat inner-product top-k: single-query calls and one batched call.
struct IndexSearch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index-search")

    @Option var base: String
    @Option var queries: String
    @Option var dimension: Int
    @Option var k = 10
    @Option(help: "How many of the queries to send one at a time.") var single = 100
    @Option(help: "Threads for the scan and for each BLAS call (ComputeRuntime.configureThreads).") var threads = 1
    @Option(help: "Where to write the batched result ids (int64), for the agreement check.") var idsOut: String?

    struct Result: Codable {
        var threads: Int
        var count: Int
        var addSeconds: Double
        var singleQueries: Int
        var singleQPS: Double
        var singleMillisecondsPerQuery: Double
        var batchQueries: Int
        var batchQPS: Double
    }

    func run() throws {
        ComputeRuntime.configureThreads(threads, blasThreadsPerCall: threads)
        let baseVectors = try readFloats(base)
        let queryVectors = try readFloats(queries)
        let count = baseVectors.count / dimension
        let queryCount = queryVectors.count / dimension
        let index = try VectorIndex(dimension: dimension, description: "Flat", metric: .innerProduct)
        let addTime = try seconds { try index.add(baseVectors, ids: (0..<count).map(Int64.init)) }

        let singleCount = min(single, queryCount)
        _ = try index.search(Array(queryVectors[0..<dimension]), k: k) // warm the caches
        let singleTime = try seconds {
            for q in 0..<singleCount {
                _ = try index.search(Array(queryVectors[q * dimension..<(q + 1) * dimension]), k: k)
            }
        }
        var batch: SearchResults?
        let batchTime = try seconds { batch = try index.search(queryVectors, k: k) }
        if let idsOut, let batch {
            try batch.ids.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: idsOut)) }
        }
        try printJSON(Result(
            threads: threads, count: count, addSeconds: addTime,
            singleQueries: singleCount, singleQPS: Double(singleCount) / singleTime,
            singleMillisecondsPerQuery: singleTime * 1000 / Double(singleCount),
            batchQueries: queryCount, batchQPS: Double(queryCount) / batchTime))
    }
}
