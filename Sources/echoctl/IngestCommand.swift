import ArgumentParser
import EchoEmbedding
import EchoReferences
import EchoStore
import EchoVision

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
    var meta: [String] = []

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

    /// The JSON output: the ingest report and what screening found.
    struct Outcome: Encodable {
        let category: String
        let files: [IngestedFile]
        let screening: GoldenSampleScreening?
    }

    func validate() throws {
        _ = try parseMetadata(meta)
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        let logger = runtime.prepare(label: "ingest")
        let embedder = try embedderOptions.load()
        let store = try storeOptions.open(.readWrite, logger: logger)
        let options = IngestOptions(category: category, metadata: try parseMetadata(meta), indexSpecification: indexSpecification,
                                    batchSize: batchSize, concurrency: runtime.threads)
        let bar = ProgressBar(label: "ingest")
        let report: IngestReport
        do {
            report = try Ingestor(store: store, embedder: embedder, logger: logger).ingest(paths, options: options) { progress in
                if !output.json {
                    bar.update(done: progress.done, total: progress.total,
                               detail: "added \(progress.added), duplicate \(progress.duplicates), failed \(progress.failed)")
                }
            }
        } catch {
            throw CommandFailure(error.description)
        }
        var screening: GoldenSampleScreening?
        let added = report.files.filter { $0.status == .added }.compactMap(\.id)
        if !noScreen, !added.isEmpty {
            do {
                screening = try VisionExpert(store: store, embedder: embedder).screen(added, category: category, concurrency: runtime.threads)
            } catch {
                printError("warning: the new golden samples were stored but could not be screened: \(error.description)")
            }
        }
        if output.json {
            try printJSON(Outcome(category: report.category, files: report.files, screening: screening))
        } else {
            for file in report.files where file.status == .failed {
                print("failed: \(file.path): \(file.reason ?? "?")")
            }
            print("\(report.category): \(report.added) added, \(report.duplicates) already present, \(report.failed) failed")
            for outlier in screening?.outliers ?? [] { printError("warning: \(outlier.message)") }
        }
        if report.failed > 0 { throw ExitCode(1) }
    }
}
