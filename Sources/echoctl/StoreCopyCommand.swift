import ArgumentParser
import EchoApplication
import Foundation

/// `echoctl store`: whole-store operations.
struct StoreGroup: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "store", abstract: "Whole-store operations.", subcommands: [CopyStore.self])
}

/// `echoctl store copy SRC DST`: a store's golden sets into a new store on another backend.
struct CopyStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a store into a new one (a SQLite directory into PostgreSQL, or back) without re-embedding, then verify both.",
        discussion: """
            Copies categories, golden samples (metadata, vectors, patch features, image files), exclusions, calibrations, \
            memory banks and knowledge; runs stay in the source. The destination must be empty. Exit code: 0 when the copy \
            matches and both stores verify clean, 1 otherwise.
            """)

    @Argument(help: "The store to copy: a directory or postgres://USER@HOST:PORT/DATABASE.") var source: String
    @Argument(help: "The new store: a directory or postgres://USER@HOST:PORT/DATABASE.") var destination: String
    @Option(help: "A PostgreSQL side's FAISS caches (default: a temporary directory, removed afterwards).") var cache: String?
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let logger = runtime.prepare(label: "store-copy")
        let password = try StoreOptions.password()
        let scratch = cache == nil ? FileManager.default.temporaryDirectory.appendingPathComponent("echo-copy-\(UUID().uuidString)").path : nil
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let caches = cache ?? scratch!
        let from = try StoreLocation(source, cache: caches + "/source", password: password)
        let to = try StoreLocation(destination, cache: caches + "/destination", password: password)
        let json = output.json
        let outcome = try EchoApp.copyStore(from: from, to: to, lockTimeout: 10, logger: logger) { category, done in
            if !json { printError("\r\(category): \(done) references copied", newline: false) }
        }
        if !json { printError("") }
        if json {
            try printJSON(outcome)
        } else {
            print(Table(headers: ["category", "references", "with patches", "images", "no image", "excluded", "calibration", "memory bank"],
                        rows: outcome.report.categories.map { copy in
                [copy.name, "\(copy.references)", "\(copy.withPatches)", "\(copy.images)", "\(copy.imagesMissing)", "\(copy.exclusions)",
                 copy.calibration ? "copied" : "-", copy.memoryBank ? "copied" : "-"]
            }).rendered)
            print("knowledge: \(outcome.report.knowledgeEntries) entries")
            for mismatch in outcome.report.mismatches { printError("mismatch: \(mismatch)") }
            for (side, report) in [("source", outcome.source), ("destination", outcome.destination)] {
                print("\(side): " + (report.isConsistent ? "verified, \(report.references) references" : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")"))
                for problem in report.problems { printError("  \(problem)") }
            }
        }
        if !outcome.isClean { throw ExitCode(1) }
    }
}
