import ArgumentParser
import EchoEmbedding
import EchoReferences
import EchoStore

/// `echoctl query IMAGE --category C -k 5`: the nearest normals of an image.
struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the golden images of a product most similar to an image.")

    @Argument(help: "A PNG or JPEG file.")
    var image: String

    @Option(name: .shortAndLong, help: "The product (category).")
    var category: String

    @Option(name: .short, help: "How many nearest normals.")
    var k = 5

    @Option(name: .customLong("where"), help: "Only references whose metadata has key=value (repeatable).")
    var filters: [String] = []

    @OptionGroup var embedderOptions: EmbedderOptions

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard k > 0 else { throw ValidationError("-k must be at least 1") }
        _ = try parseMetadata(filters)
    }

    func run() throws {
        let logger = runtime.prepare(label: "query")
        let store = try storeOptions.open(.readOnly, logger: logger)
        let embedder = try embedderOptions.load()
        let result: ReferenceSet
        do {
            result = try ReferenceExtractor(store: store, embedder: embedder)
                .nearestNormals(toImageAt: image, category: category, k: k, filter: try parseMetadata(filters))
        } catch let error as EmbeddingError {
            throw CommandFailure(error.description)
        } catch let error as ReferenceExtractorError {
            throw CommandFailure(error.description)
        }
        if output.json {
            try printJSON(result.matches)
        } else if result.matches.isEmpty {
            print("no references in \(category)")
        } else {
            print(Table(headers: ["rank", "id", "similarity", "path", "metadata"], rows: result.matches.enumerated().map { rank, match in
                [String(rank + 1), String(match.reference.id), String(format: "%.4f", match.similarity), match.reference.sourcePath,
                 match.reference.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
            }).rendered)
        }
    }
}
