import ArgumentParser
import EchoApplication
import EchoStore
import EchoVision
import Foundation

/// `echoctl categories`: the products in the store.
struct Categories: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the products (categories) in the store.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let statistics = try storeOptions.app(.readOnly, runtime: runtime, label: "categories").statistics()
        if output.json { return try printJSON(statistics) }
        print(Table(headers: ["category", "references", "index", "embedder"], rows: statistics.map {
            [$0.name, String($0.liveReferences), $0.indexSpecification, $0.embedder]
        }).rendered)
    }
}

/// `echoctl list --category C`: the golden samples of a product.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the references of a category.")
    @Option(name: .shortAndLong, help: "The product (category).") var category: String
    @Option(help: "At most this many.") var limit = 1000
    @Option(help: "Skip this many.") var offset = 0
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let references = try storeOptions.app(.readOnly, runtime: runtime, label: "list").listReferences(category: category, limit: limit, offset: offset)
        if output.json { return try printJSON(references) }
        print(Table(headers: ["id", "size", "sha256", "path", "metadata"], rows: references.map {
            [String($0.id), "\($0.width)x\($0.height)", String($0.sha256.prefix(12)), $0.sourcePath,
             $0.metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
        }).rendered)
    }
}

/// `echoctl remove ID...`: delete references.
struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete references by id (see `list`).")
    @Argument(help: "Reference ids.") var ids: [Int64]
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "remove")
        let removed = try app.removeReferences(ids: ids)
        try app.saveIndexes()
        if output.json { return try printJSON(removed) }
        for record in removed { print("removed \(record.id) (\(record.category)) \(record.sourcePath)") }
    }
}

/// `echoctl rename-category OLD NEW`.
struct RenameCategory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename-category",
        abstract: "Give a category a new name; its references, thresholds, memory bank, runs and knowledge go along.",
        discussion: "New names follow one rule: 1–100 ASCII letters, digits, '-', '_' or '.'. This brings a category made before the rule (e.g. \"bottle caps\") into line, so the HTTP service can address it.")
    @Argument(help: "The category's name now.") var old: String
    @Argument(help: "Its new name.") var new: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try storeOptions.app(.readWrite, runtime: runtime, label: "rename-category").renameCategory(old, to: new)
        if output.json { return try printJSON(["renamed": old, "to": new]) }
        print("renamed category \"\(old)\" to \"\(new)\"")
    }
}

/// `echoctl verify`: consistency of SQLite and the indexes.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check SQLite's integrity and that every index agrees with the metadata; exit 1 if not.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try EchoApp.verify(try storeOptions.location(), lockTimeout: storeOptions.wait, logger: runtime.prepare(label: "verify"))
        if output.json {
            try printJSON(report)
        } else {
            for problem in report.problems { print("problem: \(problem)") }
            print(report.isConsistent
                  ? "ok: \(report.categories) categories, \(report.references) references, indexes agree with SQLite"
                  : "\(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
        }
        if !report.isConsistent { throw ExitCode(1) }
    }
}

/// `echoctl rebuild-index --category C`: rebuild an index from SQLite.
struct RebuildIndex: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rebuild-index", abstract: "Rebuild a category's FAISS index from SQLite.")
    @Option(name: .shortAndLong, help: "The product (category); all when omitted.") var category: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions

    func run() throws {
        for rebuilt in try storeOptions.app(.readWrite, runtime: runtime, label: "rebuild-index").rebuildIndexes(category: category) {
            print("\(rebuilt.category): rebuilt with \(rebuilt.vectors) vectors")
        }
    }
}

/// `echoctl stats`: figures per category, with the recall of approximate indexes.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Figures per category: references, index, file size, recall of HNSW/IVF against exact, threshold, audit exclusions, memory bank, score drift since calibration.")
    @Option(name: .shortAndLong, help: "One product (category).") var category: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let statistics = try storeOptions.app(.readOnly, runtime: runtime, label: "stats").statistics(category: category, drift: true)
        if output.json { return try printJSON(statistics) }
        func staleMark(_ stale: Bool?) -> String { stale == true ? " (stale)" : "" }
        print(Table(headers: ["category", "live", "deleted", "patches", "index", "indexed", "file", "recall@10", "set version", "threshold", "excluded", "memory bank", "drift"], rows: statistics.map {
            [$0.name, String($0.liveReferences), String($0.deletedReferences), String($0.referencesWithPatches), $0.indexSpecification,
             String($0.indexedVectors), $0.indexFileBytes.map { ByteCountFormatter.string(fromByteCount: Int64($0), countStyle: .file) } ?? "-",
             $0.recallAt10.map { String(format: "%.3f", $0) } ?? "exact", String($0.referenceSetVersion),
             ($0.threshold.map { String(format: "%.4f", $0) } ?? "-") + staleMark($0.thresholdIsStale), String($0.excludedFromCalibration),
             ($0.memoryBankPatches.map(String.init) ?? "-") + staleMark($0.memoryBankIsStale), driftMark($0.scoreDrift)]
        }).rendered)
        for category in statistics {
            if let drift = category.scoreDrift { print("\(category.name): score drift \(drift.message)") }
        }
    }
}

/// A drift cell: "-" when not measured, else "DRIFT", "none" or "not judged" (the
/// line after the table gives the figures).
private func driftMark(_ drift: ScoreDrift?) -> String {
    guard let drift else { return "-" }
    if drift.drifted { return "DRIFT" }
    return drift.pValue == nil && drift.backgroundPValue == nil ? "not judged" : "none"
}
