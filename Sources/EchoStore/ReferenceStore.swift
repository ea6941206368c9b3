import EchoConcurrency
import EchoFeatures
import EchoIndex
import Foundation
import GRDB
import Logging

/// Echo's reference database: golden samples per category, their metadata and vectors in
/// a backend (the source of truth: SQLite in WAL mode by default, see `StoreBackend`),
/// and one FAISS index per category as a rebuildable cache.
///
/// Durability: a reference and its vector commit in one transaction. Index files are
/// written atomically with the last change sequence they contain; on open, changes after
/// that sequence are replayed and deleted references removed; a missing or unreadable
/// index file is rebuilt from SQLite. A crash at any instant loses no committed reference
/// and never lets a query return a deleted one.
///
/// Concurrency: on SQLite (`init(directory:)`), one writer process at a time (an
/// exclusive lock; a second writer gets `StoreError.busy` after `lockTimeout`) and any
/// number of reader processes; over a backend with many writers (PostgreSQL), any number
/// of writing processes, each replaying the others' commits from the log. Within a
/// process, queries run concurrently with each other and with writes.
public final class ReferenceStore: Sendable {
    /// How a store is opened.
    public enum Mode: Sendable {
        /// Queries only. Fails if there is no store.
        case readOnly
        /// Queries and changes; creates the store if needed; takes the writer lock.
        case readWrite
    }

    /// The store's directory: its SQLite file, or (for another backend) its local caches.
    public let directory: String
    public let mode: Mode
    /// The source of truth.
    public let backend: any StoreBackend
    let logger: Logger
    let indexDirectory: String
    private let writerLock: WriterLock?
    /// Serialises "commit, then update the index" so indexes apply changes in order.
    let writeLock = Protected<Void>(())
    /// The loaded indexes, and the search fields of categories, by id and name.
    private let caches = Protected(Caches())

    private struct Caches {
        var indexes: [Int64: CategoryIndex] = [:]
        var searchCategories: [String: Category] = [:]
    }

    /// Opens (or, read-write, creates) the SQLite store in `directory`.
    /// - Parameters:
    ///   - lockTimeout: how long a read-write open waits for another writer to finish.
    ///   - logger: where the store logs (index rebuilds, replays); nothing is bootstrapped.
    /// - Throws: `StoreError` `.notFound` (read-only, no store), `.busy` (another writer),
    ///   `.database` (SQLite cannot open or migrate it), `.io`.
    public convenience init(directory: String, mode: Mode = .readWrite, lockTimeout: TimeInterval = 10, logger: Logger) throws(StoreError) {
        let databasePath = directory + "/echo.sqlite"
        if mode == .readOnly, !FileManager.default.fileExists(atPath: databasePath) {
            throw StoreError(.notFound, "no Echo store at \(directory); create one with `echoctl ingest --store \(directory) ...`")
        }
        try Self.createDirectory(directory + "/indexes", required: mode == .readWrite)
        let lock = mode == .readWrite ? try WriterLock(path: directory + "/writer.lock", timeout: lockTimeout) : nil
        let backend = try SQLiteBackend(path: databasePath, readOnly: mode == .readOnly, busyTimeout: lockTimeout)
        try self.init(backend: backend, cacheDirectory: directory, mode: mode, writerLock: lock, logger: logger)
    }

    /// A store over any backend, keeping its index caches in `cacheDirectory`.
    /// - Throws: `.io` when the cache directory cannot be created for a read-write store.
    public convenience init(backend: any StoreBackend, cacheDirectory: String, mode: Mode, logger: Logger) throws(StoreError) {
        try Self.createDirectory(cacheDirectory + "/indexes", required: mode == .readWrite)
        try self.init(backend: backend, cacheDirectory: cacheDirectory, mode: mode, writerLock: nil, logger: logger)
    }

    private init(backend: any StoreBackend, cacheDirectory: String, mode: Mode, writerLock: WriterLock?, logger: Logger) throws(StoreError) {
        self.backend = backend
        directory = cacheDirectory
        self.mode = mode
        self.logger = logger
        indexDirectory = cacheDirectory + "/indexes"
        self.writerLock = writerLock
    }

    private static func createDirectory(_ path: String, required: Bool) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch where required {
            throw StoreError(.io, "cannot create \(path): \(error.localizedDescription)")
        } catch {}
    }

    /// The SQLite database under the store (tests damage it to prove recovery).
    var database: DatabasePool {
        guard let sqlite = backend as? SQLiteBackend else { preconditionFailure("the store's backend is not SQLite") }
        return sqlite.database
    }

    // MARK: Categories

    /// All categories, by name.
    public func categories() throws(StoreError) -> [Category] {
        try backend.categories()
    }

    /// The category called `name`.
    /// - Throws: `.unknownCategory` listing the known ones.
    public func category(named name: String) throws(StoreError) -> Category {
        guard let found = try backend.category(named: name) else {
            let known = (try? categories().map(\.name)) ?? []
            throw StoreError(.unknownCategory, "no category \"\(name)\"" + (known.isEmpty ? " (the store is empty; ingest some references first)" : "; known: \(known.joined(separator: ", "))"))
        }
        return found
    }

    /// Returns the category `name`, creating it for `embedder` and `indexSpecification` if
    /// it does not exist.
    /// - Throws: `.incompatible` when it exists with another embedder (mixing vectors of
    ///   different embedders is refused) or holds patch features of another patch recipe
    ///   (run `echoctl reembed` first); `.invalidCategoryName` for a new category whose
    ///   name breaks `CategoryName`'s rule; `.invalidIndex` for an index description
    ///   `IndexSpecificationRule` refuses, whether or not the category exists
    ///   (`.invalidArgument` if FAISS still cannot build it);
    ///   `.readOnly`.
    public func ensureCategory(_ name: String, embedder: EmbedderIdentity, indexSpecification: String = "Flat") throws(StoreError) -> Category {
        try requireWritable()
        try IndexSpecificationRule.validate(indexSpecification)
        if let existing = try backend.category(named: name) {
            do {
                try existing.embedder.requireCompatible(with: embedder, context: "category \"\(name)\"")
                if embedder.patchDimension > 0 {
                    try embedder.requirePatchCompatible(with: existing.embedder, category: name)
                }
            } catch {
                throw StoreError(.incompatible, error.message)
            }
            return existing
        }
        try CategoryName.validate(name)
        do {
            _ = try VectorIndex(dimension: embedder.globalDimension, description: indexSpecification)
        } catch {
            throw StoreError(.invalidArgument, "index \"\(indexSpecification)\" for category \"\(name)\": \(error.message)")
        }
        try backend.insertCategory(name, embedder: embedder, indexSpecification: indexSpecification, createdAt: Self.timestamp())
        logger.info("created category", metadata: ["store.category": "\(name)", "store.index": "\(indexSpecification)"])
        return try category(named: name)
    }

    // MARK: Helpers shared by the extensions

    func requireWritable() throws(StoreError) {
        guard mode == .readWrite else { throw StoreError(.readOnly, "the store was opened read-only") }
    }

    /// The loaded index of `category`, loading (and replaying, or rebuilding) it first.
    func loadedIndex(for category: Category) throws(StoreError) -> CategoryIndex {
        try caches.withLock { (caches) throws(StoreError) -> CategoryIndex in
            if let index = caches.indexes[category.id] { return index }
            let index = try IndexLoader(store: self, category: category).load()
            caches.indexes[category.id] = index
            return index
        }
    }

    /// The category for searching, cached: the fields a search uses (id, embedder, index
    /// description) never change once the category exists. Not for its reference-set
    /// version, which does.
    func searchCategory(named name: String) throws(StoreError) -> Category {
        if let cached = caches.withLock({ $0.searchCategories[name] }) { return cached }
        let category = try category(named: name)
        caches.withLock { $0.searchCategories[name] = category }
        return category
    }

    /// Drops the cached search fields of a category that was renamed.
    func forgetSearchCategory(_ name: String) {
        caches.withLock { $0.searchCategories[name] = nil }
    }

    func forgetIndex(of categoryID: Int64) {
        caches.withLock { $0.indexes[categoryID] = nil }
    }

    /// Drops every loaded index and cached category (the database was replaced).
    func forgetEverything() {
        caches.withLock { $0 = Caches() }
    }

    var loadedIndexes: [CategoryIndex] { caches.withLock { Array($0.indexes.values) } }

    static func timestamp() -> String {
        Date().formatted(.iso8601)
    }

    /// Saves every index with unsaved changes. Call before exiting; a crash without it
    /// loses nothing (the next open replays from SQLite), only time.
    public func saveIndexes() throws(StoreError) {
        guard mode == .readWrite else { return }
        for index in loadedIndexes where index.needsSave {
            do {
                try index.save(in: indexDirectory, logger: logger)
            } catch {
                throw StoreError.index(error, "saving the index of category \(index.categoryID)")
            }
        }
    }
}
