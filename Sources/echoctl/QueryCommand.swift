import ArgumentParser
import EchoApplication

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
    var filters: [MetadataPair] = []

    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try EchoApp.checkQuery(k: k, filter: filters.dictionary, limits: runtime.limits)
        let app = try storeOptions.app(.readOnly, runtime: runtime, label: "query", embedder: embedderOptions)
        let result = try app.nearestNormals(toImageAt: image, category: category, k: k, filter: filters.dictionary)
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
