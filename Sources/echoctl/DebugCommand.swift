import ArgumentParser
import EchoEmbedding
import EchoStore
import Foundation

/// `echoctl debug`: tools for testing Echo itself (hidden from help).
struct Debug: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tools for testing Echo itself.", shouldDisplay: false, subcommands: [IngestVectors.self])

    /// Adds random unit vectors one transaction at a time, printing `committed ID` after
    /// each commit, and saving the index every few adds. The crash tests kill it at
    /// random moments and check that every printed id survived.
    struct IngestVectors: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ingest-vectors")
        @Option(name: .shortAndLong) var category = "synthetic"
        @Option var count = 1000
        @Option var dimension = 32
        @Option var seed: UInt64 = 1
        @Option var saveEvery = 5
        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var runtime: RuntimeOptions

        func run() throws {
            let store = try storeOptions.open(.readWrite, logger: runtime.prepare(label: "debug"))
            let identity = EmbedderIdentity(id: "synthetic/test", weightsSHA256: "none", globalDimension: dimension, patchDimension: 0, inputSize: 0)
            var state = seed
            try orFail { () throws(StoreError) in
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
                        let line = "committed \(id)\n"
                        FileHandle.standardOutput.write(Data(line.utf8))
                    }
                    if i % saveEvery == saveEvery - 1 { try store.saveIndexes() }
                }
            }
        }
    }
}
