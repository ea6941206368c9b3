import ArgumentParser
import EchoApplication
import EchoEmbedding
import EchoImaging

/// `echoctl embed IMAGE`: the global embedding of one image, for other tools.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an image's 1280-d global embedding (unit length; inner product = cosine).")

    @Argument(help: "A PNG or JPEG file.")
    var image: String

    @OptionGroup var embedderOptions: EmbedderOptions

    @Flag(help: "Also print the 28×28 grid of 152-d patch features (JSON only).")
    var patches = false

    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var file: String
        var embedder: EmbedderIdentity
        var vector: [Float]
        var patches: PatchFeatures?
    }

    func run() throws {
        _ = runtime.prepare(label: "embed")
        let embedder = try embedderOptions.load()
        do {
            let decoded = try ImageDecoder().decodeFile(atPath: image)
            let embedding = try embedder.embed(decoded)
            if output.json {
                try printJSON(Report(file: image, embedder: embedder.identity, vector: embedding.global,
                                     patches: patches ? embedding.patches : nil))
            } else {
                print(embedding.global.map { String($0) }.joined(separator: " "))
            }
        } catch let error as EmbeddingError {
            throw EchoError(classifying: error)
        } catch let error as ImagingError {
            throw EchoError(classifying: error)
        }
    }
}
