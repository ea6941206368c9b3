import ArgumentParser
import EchoEmbedding
import EchoImaging
import EchoIndex
import Foundation

/// The backbone's speed on images the driver wrote: raw RGB, `count × size × size × 3`.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed")

    @Option var images: String
    @Option var size = 224
    @Option(help: "Where to write the global embeddings (float32), for the agreement check.") var embeddingsOut: String?

    struct Result: Codable {
        var images: Int
        var cores: Int
        var millisecondsPerImageOneThread: Double
        var millisecondsPerImageBLASAllCores: Double
        var imagesPerSecondAllCores: Double
        var millisecondsPerImageEndToEnd: Double
        /// One thread, by kind of layer: milliseconds per image and achieved GFLOP/s
        /// (2 FLOP per multiply-add).
        var layers: [String: Layer]
        var depthwiseKernel: String
        var blas: String
    }

    struct Layer: Codable {
        var milliseconds: Double
        var gflops: Double
    }

    func run() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: images))
        let bytes = [UInt8](data)
        let perImage = size * size * 3
        let batch = try (0..<bytes.count / perImage).map { i in
            try Image(width: size, height: size, format: .rgb, pixels: Array(bytes[i * perImage..<(i + 1) * perImage]))
        }
        let embedder = try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let cores = ProcessInfo.processInfo.activeProcessorCount

        ComputeRuntime.setBLASThreadCount(1)
        _ = try embedder.embed(batch[0]) // warm up
        var embeddings: [[Float]] = []
        let oneThread = try seconds { embeddings = try batch.map { try embedder.embed($0).global } }

        ComputeRuntime.setBLASThreadCount(cores)
        _ = try embedder.embed(batch[0])
        let blasAllCores = try seconds { for image in batch { _ = try embedder.embed(image) } }

        ComputeRuntime.setBLASThreadCount(1)
        _ = embedder.embed(Array(batch.prefix(cores)), concurrency: cores) // every thread's workspace warmed, as the peers' sessions are
        let rounds = 3
        let parallel = seconds { for _ in 0..<rounds { _ = embedder.embed(batch, concurrency: cores) } } / Double(rounds)

        // End to end on one thread: PNG decode + area resize from 448×448 + forward.
        let large = try batch.prefix(8).map { try ImageEncoder.png($0.resized(toWidth: 448, height: 448, method: .bilinear)) }
        let endToEnd = try seconds {
            for png in large { _ = try embedder.embed(ImageDecoder().decode(png)) }
        }

        ComputeRuntime.setBLASThreadCount(1)
        let profile = try embedder.profile(batch[0], rounds: 20)
        var layers: [String: Layer] = [:]
        for kind in LayerProfile.Kind.allCases {
            let seconds = (profile.seconds[kind] ?? 0) / Double(profile.passes)
            let flops = 2 * (profile.multiplyAdds[kind] ?? 0) / Double(profile.passes)
            layers[kind.rawValue] = Layer(milliseconds: seconds * 1000, gflops: seconds > 0 ? flops / seconds / 1e9 : 0)
        }

        if let embeddingsOut {
            let flat = embeddings.flatMap { $0 }
            try flat.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: embeddingsOut)) }
        }
        let n = Double(batch.count)
        try printJSON(Result(
            images: batch.count, cores: cores,
            millisecondsPerImageOneThread: oneThread * 1000 / n,
            millisecondsPerImageBLASAllCores: blasAllCores * 1000 / n,
            imagesPerSecondAllCores: n / parallel,
            millisecondsPerImageEndToEnd: endToEnd * 1000 / Double(large.count),
            layers: layers, depthwiseKernel: embedder.depthwiseKernelVariant, blas: ComputeRuntime.blas.description))
    }
}
