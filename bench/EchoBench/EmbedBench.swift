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
        let parallel = seconds { _ = embedder.embed(batch, concurrency: cores) }

        // End to end on one thread: PNG decode + area resize from 448×448 + forward.
        let large = try batch.prefix(8).map { try ImageEncoder.png($0.resized(toWidth: 448, height: 448, method: .bilinear)) }
        let endToEnd = try seconds {
            for png in large { _ = try embedder.embed(ImageDecoder().decode(png)) }
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
            millisecondsPerImageEndToEnd: endToEnd * 1000 / Double(large.count)))
    }
}
