import EchoStore

extension EchoApp {
    /// What `echoctl restore` did: the backup as checked, and the restored store's check.
    public struct RestoreReport: Sendable {
        public let backup: BackupSummary
        public let verification: VerificationReport
    }

    /// Writes a consistent online copy of an SQLite store's database to the new file
    /// `destination`, checked before it is kept; the store stays in use meanwhile.
    /// - Throws: `unsupported` for a PostgreSQL store (use `pg_dump`); `invalid_parameter`
    ///   when `destination` exists; `disk_full`; `store_failed` when the copy cannot be
    ///   written or does not check out.
    public func backup(to destination: String) throws(EchoError) -> BackupSummary {
        try requireSQLite(for: "echoctl backup")
        return try classified { try store.backup(to: destination) }
    }

    /// Restores an SQLite store from a backup made by `backup(to:)`, after checking the
    /// backup, then verifies the restored store (its indexes are rebuilt from it).
    /// - Throws: `unsupported` for a PostgreSQL store; `no_store` when there is no backup
    ///   file; `store_failed` for a damaged backup; `incompatible` for a newer schema;
    ///   `read_only`, `store_busy` (another writer holds the store).
    public func restore(from source: String) throws(EchoError) -> RestoreReport {
        try requireSQLite(for: "echoctl restore")
        let summary = try classified { try store.restore(from: source) }
        return RestoreReport(backup: summary, verification: try verify())
    }

    private func requireSQLite(for command: String) throws(EchoError) {
        guard store.backend is SQLiteBackend else {
            throw EchoError(.unsupported, "\(command) copies an SQLite store; the store at \(store.backend.location) is PostgreSQL: back it up with pg_dump --format=custom (a consistent copy while every node runs) and restore with pg_restore, or take base backups with pg_basebackup (see the README)")
        }
    }
}
