import EchoStore
import Foundation
import PostgresNIO

/// Applies `Migrations/postgres/*.sql` in order, each in its own transaction and recorded
/// in `echo_migrations`, under a session advisory lock so that nodes starting together
/// migrate once; a read-only open only checks that the schema is this build's.
struct PostgresMigrator {
    let backend: PostgresBackend
    /// The advisory-lock key of migrations ("echo" + "mig" in ASCII).
    static let lockKey: Int64 = 0x6563_686F_6D69_67

    func migrate(readOnly: Bool) throws(StoreError) {
        let known = EmbeddedPostgresMigrations.all
        do {
            try backend.pool.withConnection { session in
                if readOnly {
                    let applied = try appliedNames(session)
                    guard applied == known.map(\.name) else {
                        throw StoreError(.database, "the schema of \(backend.location) (\(applied)) is not this echoctl's (\(known.map(\.name))); start a read-write node once to migrate it, or use a matching echoctl")
                    }
                    return
                }
                try session.query("SELECT pg_advisory_lock(\(Self.lockKey))")
                defer { _ = try? session.query("SELECT pg_advisory_unlock(\(Self.lockKey))") }
                try session.query("""
                    CREATE TABLE IF NOT EXISTS echo_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """)
                let applied = try appliedNames(session)
                guard applied.allSatisfy(Set(known.map(\.name)).contains) else {
                    throw StoreError(.database, "\(backend.location) has migrations this echoctl does not know (\(applied)); use a newer echoctl")
                }
                for migration in known where !applied.contains(migration.name) {
                    try session.query("BEGIN")
                    do {
                        for statement in Self.statements(of: migration.sql) {
                            try session.query(PostgresQuery(unsafeSQL: statement))
                        }
                        try session.query("INSERT INTO echo_migrations (name) VALUES (\(migration.name))")
                        try session.query("COMMIT")
                    } catch {
                        _ = try? session.query("ROLLBACK")
                        throw error
                    }
                    backend.logger.info("applied a PostgreSQL migration", metadata: ["store.migration": "\(migration.name)"])
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let failure as SQLFailure {
            if failure.kind == .tls {
                throw StoreError(.database, "cannot connect to \(backend.location): \(failure.message)")
            }
            if failure.meansUnavailable {
                throw StoreError(.unavailable, "PostgreSQL at \(backend.location) is unavailable (\(failure.message)); start it, or check the URL, then retry")
            }
            throw StoreError(.database, "migrating \(backend.location) failed: \(failure)")
        } catch {
            throw StoreError(.database, "migrating \(backend.location) failed: \(error)")
        }
    }

    private func appliedNames(_ session: Session) throws -> [String] {
        let exists = try session.column(Bool.self, "SELECT to_regclass('echo_migrations') IS NOT NULL").first ?? false
        guard exists else { return [] }
        return try session.column(String.self, "SELECT name FROM echo_migrations ORDER BY name")
    }

    /// A migration's statements: split where a line ends with ";" (comments dropped).
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") || trimmed.isEmpty { continue }
            current += line + "\n"
            if trimmed.hasSuffix(";") {
                statements.append(String(current.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
