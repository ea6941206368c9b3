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

/// Time per inspected image, step by step, on one thread; and the features each step
/// used, written out so a Python peer can run the same patch scoring on them.
struct InspectSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect-speed")

    @Option var store: String
    @Option var category: String
    @Option var neighbours = 3
    @Option(help: "Directory for the dumped features (query patches, reference patches, scores).") var dump: String
    @Argument var files: [String]

    struct Result: Codable {
        var images: Int
        var embedMilliseconds: Double
        var retrieveMilliseconds: Double
        var patchScoreMilliseconds: Double
        var totalMilliseconds: Double
    }

    func run() throws {
        ComputeRuntime.configureThreads(1)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let referenceStore = try ReferenceStore(directory: store, mode: .readOnly, logger: logger)
        let embedder = try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let expert = VisionExpert(store: referenceStore, embedder: embedder)
        var embed = 0.0, retrieve = 0.0, patch = 0.0
        var scores: [Float] = []
        try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
        for (number, file) in files.enumerated() {
            let image = try ImageDecoder().decodeFile(atPath: file)
            var embedding: Embedding!
            embed += try seconds { embedding = try embedder.embed(image) }
            var matches: [ReferenceMatch] = []
            retrieve += try seconds { matches = try referenceStore.nearest(to: embedding.global, in: category, k: neighbours) }
            var map: AnomalyMap!
            patch += try seconds { map = try expert.rawScore(embedding.patches, against: matches.map(\.reference.id), category: category) }
            scores.append(map.maximum)
            // The same features for the peer: query patches and the references' stored patches.
            var references: [Float] = []
            for match in matches { references += try referenceStore.patchFeatures(of: match.reference.id)!.values }
            try write(embedding.patches.values, to: "\(dump)/\(number)-query.f32")
            try write(references, to: "\(dump)/\(number)-references.f32")
        }
        try write(scores, to: "\(dump)/scores.f32")
        let n = Double(files.count)
        try printJSON(Result(images: files.count, embedMilliseconds: embed * 1000 / n, retrieveMilliseconds: retrieve * 1000 / n,
                             patchScoreMilliseconds: patch * 1000 / n, totalMilliseconds: (embed + retrieve + patch) * 1000 / n))
    }

    private func write(_ values: [Float], to path: String) throws {
        try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    }
}
