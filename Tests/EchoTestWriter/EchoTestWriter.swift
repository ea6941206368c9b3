import ArgumentParser
import EchoIndex
import EchoStore
import Foundation
import Logging

/// `echo-test-writer`: a store writer for Echo's own tests and crash benchmark, never
/// shipped. It adds random unit vectors one transaction at a time, printing
/// `committed ID` after each commit and saving the index every few adds; the crash tests
/// kill it at random moments and check that every printed id survived, and the lock
/// tests hold the writer lock with it.
@main
struct EchoTestWriter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "echo-test-writer", abstract: "Adds synthetic vectors to a store, one commit at a time (tests only).")

    @Option(help: "The store directory.") var store: String
    @Option(name: .shortAndLong) var category = "synthetic"
    @Option var count = 1000
    @Option var dimension = 32
    @Option var seed: UInt64 = 1
    @Option var saveEvery = 5
    @Option var threads = 1
    @Option(help: "Seconds to wait for another writer.") var wait: Double = 10

    func run() throws {
        ComputeRuntime.configureThreads(threads)
        let store = try ReferenceStore(directory: store, mode: .readWrite, lockTimeout: wait, logger: Logger(label: "echo-test-writer"))
        let identity = EmbedderIdentity(id: "synthetic/test", weightsSHA256: "none", globalDimension: dimension, patchDimension: 0, inputSize: 0)
        var state = seed
        _ = try store.ensureCategory(category, embedder: identity)
        for i in 0..<count {
            var vector = (0..<dimension).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            vector = vector.map { $0 / max(norm, 1e-6) }
            let outcome = try store.add([NewReference(sha256: "seed\(seed)-\(i)", sourcePath: "synthetic/\(i)", width: 1, height: 1,
                                                      vector: vector)], to: category)
            if case .added(let id) = outcome[0] {
                // Written straight to the descriptor: nothing buffered is lost to a kill.
                FileHandle.standardOutput.write(Data("committed \(id)\n".utf8))
            }
            if i % saveEvery == saveEvery - 1 { try store.saveIndexes() }
        }
    }
}
