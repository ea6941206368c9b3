import ArgumentParser
import EchoApplication
import EchoEmbedding
import Foundation

/// Where the backbone's weights are.
struct EmbedderOptions: ParsableArguments {
    @Option(help: "The weights file (default: $ECHO_WEIGHTS, else the data directory).")
    var weights: String?

    /// Loads the embedder.
    /// - Throws: `EchoError` `weights_unusable` for a missing or damaged weights file,
    ///   saying how to install it.
    func load() throws -> ImageEmbedder {
        do {
            return try ImageEmbedder(weightsPath: weights ?? WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        } catch {
            throw EchoError(classifying: error)
        }
    }
}
