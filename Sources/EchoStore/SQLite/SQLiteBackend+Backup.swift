import EchoIndex
import Foundation
import GRDB

/// What a backup holds, as checked when it was written or before it was restored.
public struct BackupSummary: Sendable, Codable, Equatable {
    /// The backup file.
    public let path: String
    /// Its size in bytes.
    public let bytes: Int
    /// Categories and live references in it.
    public let categories: Int
    public let references: Int
    /// The schema migrations it has.
    public let migrations: [String]
}

extension SQLiteBackend {
    /// Writes a consistent copy of the database to the new file `destination` with
    /// SQLite's online backup API: one read transaction, so readers and the writer carry
    /// on and the copy is the database as of one commit. The copy is written beside its
    /// name, checked (`PRAGMA integrity_check`, counts against the store's), made a single
    /// self-contained file (rollback journal, not WAL), flushed, and only then renamed into
    /// place: a failed backup leaves no file that looks like one.
    /// - Throws: `.invalidArgument` when `destination` exists (a backup never overwrites);
    ///   `.diskFull` when its disk fills; `.io` when it cannot be written; `.corrupt` when
    ///   the copy does not check out.
    public func backup(to destination: String) throws(StoreError) -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.invalidArgument, "\(destination) exists; a backup never overwrites a file: choose a new name")
        }
        let partial = "\(destination).partial-\(getpid())"
        defer { for suffix in ["", "-journal", "-wal", "-shm"] { unlink(partial + suffix) } }
        let expected: (categories: Int, references: Int)
        do {
            let target = try DatabaseQueue(path: partial)
            expected = try target.writeWithoutTransaction { copy in
                try database.read { db in
                    // The counts and the copy come from one snapshot: the backup reads
                    // through this connection, inside its read transaction.
                    let counts = try Self.counts(db)
                    try db.backup(to: copy)
                    return counts
                }
            }
            try target.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try target.close()
        } catch let error as DatabaseError {
            throw Self.backupFailure(error, destination: destination)
        } catch {
            throw StoreError(.io, "could not write the backup \(destination): \(error)")
        }
        let summary = try Self.check(backupAt: partial, named: destination)
        guard summary.categories == expected.categories, summary.references == expected.references else {
            throw StoreError(.corrupt, "the backup written to \(destination) holds \(summary.categories) categories and \(summary.references) references, the store \(expected.categories) and \(expected.references); it was not kept")
        }
        do {
            try DurableRename.publish(partial, as: destination)
        } catch {
            throw StoreError(error.code == .noSpace ? .diskFull : .io, "could not finish the backup \(destination): \(error.message)")
        }
        return BackupSummary(path: destination, bytes: summary.bytes, categories: summary.categories, references: summary.references,
                             migrations: summary.migrations)
    }

    /// Replaces the whole database with the backup at `source`, after checking it: SQLite's
    /// backup API writes it into this database in one transaction (so a crash leaves the old
    /// content or the new, and no reader sees a mix), then the schema is migrated to this
    /// build's if the backup is older.
    /// - Throws: `.notFound` when there is no file; `.corrupt` when it is not a sound Echo
    ///   database; `.incompatible` when its schema is newer than this build's; `.diskFull`.
    public func restore(from source: String) throws(StoreError) -> BackupSummary {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError(.notFound, "no backup at \(source)")
        }
        let summary = try Self.check(backupAt: source, named: source)
        let known = Set(EmbeddedMigrations.all.map(\.name))
        let unknown = Set(summary.migrations).subtracting(known)
        guard unknown.isEmpty else {
            throw StoreError(.incompatible, "the backup \(source) has a newer schema (\(unknown.sorted().joined(separator: ", "))) than this echoctl; restore it with the echoctl that wrote it")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let backup = try DatabaseQueue(path: source, configuration: configuration)
            try backup.backup(to: database)
            try backup.close()
            try StoreSchema.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw SQLiteFailure.storeError(error, at: location, writing: true)
        } catch {
            throw StoreError(.database, "could not restore \(source) into \(location): \(error)")
        }
        return summary
    }

    /// SQLite's own integrity check of the database file at `path`, for a store that cannot
    /// be opened: SQLite's findings, or why it could not even look.
    public static func integrityFindings(atPath path: String) -> [String] {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            let findings = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return findings == ["ok"] ? [] : findings
        } catch let error as DatabaseError {
            return ["SQLite cannot read \(path): \(error.message ?? "\(error.resultCode)")"]
        } catch {
            return ["SQLite cannot read \(path): \(error)"]
        }
    }

    /// Opens `path` read-only and checks that it is a sound Echo database.
    static func check(backupAt path: String, named name: String) throws(StoreError) -> BackupSummary {
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard integrity == ["ok"] else {
                    throw StoreError(.corrupt, "\(name) fails SQLite's integrity check (\(integrity.prefix(3).joined(separator: "; ")))")
                }
                guard try db.tableExists("grdb_migrations"), try db.tableExists("reference_images") else {
                    throw StoreError(.corrupt, "\(name) is an SQLite database but not an Echo store")
                }
                let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                let counts = try Self.counts(db)
                let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                return BackupSummary(path: name, bytes: bytes, categories: counts.categories, references: counts.references, migrations: migrations)
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(.corrupt, "\(name) is not a sound Echo database (SQLite: \(error.message ?? "\(error.resultCode)"))")
        } catch {
            throw StoreError(.corrupt, "\(name) could not be opened: \(error)")
        }
    }

    private static func counts(_ db: Database) throws -> (categories: Int, references: Int) {
        let categories = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM categories") ?? 0
        let references = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reference_images WHERE deleted_seq IS NULL") ?? 0
        return (categories, references)
    }

    private static func backupFailure(_ error: DatabaseError, destination: String) -> StoreError {
        switch error.resultCode {
        case .SQLITE_FULL:
            return StoreError(.diskFull, "the disk holding \(destination) is full; no backup was kept; free space there or choose another disk")
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM:
            return StoreError(.io, "cannot write the backup \(destination) (SQLite: \(error.message ?? "cannot open")); check that its directory exists and is writable")
        default:
            return StoreError(.database, "the backup to \(destination) failed (SQLite: \(error.message ?? "\(error.resultCode)"))")
        }
    }
}
