import ArgumentParser
import EchoApplication
import EchoReferences

/// `echoctl ingest PATH... --category C`: add golden samples.
struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add golden (defect-free) images of a product: files, or folders searched recursively for .png/.jpg/.jpeg.",
        discussion: "Re-ingesting the same file is a no-op. Bad files are reported and skipped; the exit code is 1 if any failed.")

    @Argument(help: "Image files or folders.")
    var paths: [String]

    @Option(name: .shortAndLong, help: "The product (category); created on first use.")
    var category: String

    @Option(name: .customLong("meta"), help: "Metadata stored with every image, key=value (repeatable).")
    var meta: [MetadataPair] = []

    @Option(name: .customLong("index"), help: "FAISS index of a new category: Flat (exact), HNSW32, IVF64,Flat ...")
    var indexSpecification = "Flat"

    @Option(help: "Images committed per transaction.")
    var batchSize = 32

    @Flag(help: "Do not score the new golden samples against the calibration to warn of likely defective ones.")
    var noScreen = false

    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var request = IngestFilesRequest(paths: paths, category: category)
        request.metadata = meta.dictionary
        request.indexSpecification = indexSpecification
        request.batchSize = batchSize
        request.concurrency = runtime.threads
        request.screen = !noScreen
        try request.validate()
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "ingest", embedder: embedderOptions)
        let bar = ProgressBar(label: "ingest")
        let outcome = try app.ingestFiles(request) { progress in
            if !output.json {
                bar.update(done: progress.done, total: progress.total,
                           detail: "added \(progress.added), duplicate \(progress.duplicates), failed \(progress.failed)")
            }
        }
        if let problem = outcome.screeningProblem { printError("warning: \(problem)") }
        if output.json {
            try printJSON(outcome)
        } else {
            for file in outcome.files where file.status == .failed {
                print("failed: \(file.path): \(file.reason ?? "?")")
            }
            print("\(outcome.category): \(outcome.added) added, \(outcome.duplicates) already present, \(outcome.failed) failed")
            for outlier in outcome.screening?.outliers ?? [] { printError("warning: \(outlier.message)") }
        }
        if outcome.failed > 0 { throw ExitCode(1) }
    }
}
