import ArgumentParser
import EchoReferences
import EchoStore
import Foundation

/// `echoctl reembed --category C`: re-extract patch features after a patch-recipe change.
struct Reembed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-extract a category's patch features from its stored golden images (after an Echo upgrade changed the patch recipe).",
        discussion: """
            Reads every golden image again from its recorded path, checks it against the SHA-256 recorded at ingest, and \
            replaces all of the category's patch features in one transaction. Nothing changes unless every image is found \
            intact. Thresholds and memory banks become stale: run `echoctl calibrate` afterwards.
            """)

    @Option(name: .shortAndLong, help: "The product (category); every category when omitted.") var category: String?
    @Flag(help: "Re-extract even when the patch recipe is already current.") var force = false
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let logger = runtime.prepare(label: "reembed")
        let embedder = try embedderOptions.load()
        let store = try storeOptions.open(.readWrite, logger: logger)
        let names = try category.map { [$0] } ?? orFail { () throws(StoreError) in try store.categories().map(\.name) }
        let ingestor = Ingestor(store: store, embedder: embedder, logger: logger)
        var done: [PatchReextraction] = []
        for name in names {
            do {
                done.append(try ingestor.reextractPatches(category: name, force: force, concurrency: runtime.threads))
            } catch {
                throw CommandFailure(error.description)
            }
        }
        if output.json { return try printJSON(done) }
        for result in done {
            if result.references == 0 {
                print("\(result.category): patch features already made by recipe \(result.recipe)")
            } else {
                print("\(result.category): re-extracted \(result.references) references (recipe \(result.previousRecipe) → \(result.recipe)); "
                      + "run `echoctl calibrate --category \(result.category)`")
            }
        }
    }
}
