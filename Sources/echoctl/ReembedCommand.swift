import ArgumentParser
import EchoApplication
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
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "reembed", embedder: embedderOptions)
        let done = try app.reextractPatches(category: category, force: force, concurrency: runtime.threads)
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
