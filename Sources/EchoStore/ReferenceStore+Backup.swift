import Foundation

extension ReferenceStore {
    /// Writes a consistent online copy of the store's SQLite database to the new file
    /// `destination` (see `SQLiteBackend.backup(to:)`); readers and the writer carry on.
    /// Index caches are not copied: they are rebuilt from the database.
    /// - Throws: `.incompatible` for a store that is not SQLite; as `SQLiteBackend.backup(to:)`.
    public func backup(to destination: String) throws(StoreError) -> BackupSummary {
        try sqliteBackend(for: "backup").backup(to: destination)
    }

    /// Replaces the store's database with the backup at `source` once it checks out, and
    /// removes the index caches, which described the old content (they are rebuilt from the
    /// restored database when next needed). Needs the writer lock (a read-write store);
    /// stop every other reader of the store first, as they would go on with their caches.
    /// - Throws: `.readOnly`; `.incompatible` for a store that is not SQLite; as
    ///   `SQLiteBackend.restore(from:)`.
    public func restore(from source: String) throws(StoreError) -> BackupSummary {
        try requireWritable()
        let sqlite = try sqliteBackend(for: "restore")
        return try writeLock.locked { () throws(StoreError) -> BackupSummary in
            let summary = try sqlite.restore(from: source)
            forgetEverything()
            let names = (try? FileManager.default.contentsOfDirectory(atPath: indexDirectory)) ?? []
            for name in names where name.hasPrefix("category-") {
                try? FileManager.default.removeItem(atPath: "\(indexDirectory)/\(name)")
            }
            logger.notice("restored the store from a backup", metadata: ["store.backup": "\(source)", "store.references": "\(summary.references)"])
            return summary
        }
    }

    private func sqliteBackend(for what: String) throws(StoreError) -> SQLiteBackend {
        guard let sqlite = backend as? SQLiteBackend else {
            throw StoreError(.incompatible, "\(what) works on an SQLite store; the store at \(backend.location) is not one")
        }
        return sqlite
    }
}
