import ArgumentParser
import EchoEmbedding
import Foundation

/// Where the backbone's weights are.
struct EmbedderOptions: ParsableArguments {
    @Option(help: "The weights file (default: $ECHO_WEIGHTS, else the data directory).")
    var weights: String?

    /// Loads the embedder, turning a missing or damaged weights file into one clear line.
    func load() throws -> ImageEmbedder {
        do {
            return try ImageEmbedder(weightsPath: weights ?? WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
