import ArgumentParser
import EchoApplication
import EchoStore
import Foundation

/// `echoctl backup DEST`: a consistent online copy of an SQLite store's database.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the store's database into the new file DEST while it stays in use, and check the copy.",
        discussion: """
            Uses SQLite's online backup API: the copy is the database as of one commit, taken while readers and the \
            writer carry on. It is checked (integrity, counts) before it is kept, and never overwrites a file. Index \
            caches are not copied (they are rebuilt from the database). For a PostgreSQL store use pg_dump.
            """)
    @Argument(help: "The backup file to write (must not exist).") var destination: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let summary = try storeOptions.app(.readOnly, runtime: runtime, label: "backup").backup(to: destination)
        if output.json {
            try printJSON(summary)
        } else {
            print("backed up \(summary.categories) categories, \(summary.references) references to \(summary.path) (\(summary.bytes) bytes, checked)")
        }
    }
}

/// `echoctl restore SRC`: the store's database replaced by a checked backup.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace the store's database with the backup SRC once it checks out, then verify the store.",
        discussion: """
            The backup is checked first (integrity, an Echo schema this echoctl knows); a damaged one is refused and the \
            store is left as it was. Restoring takes the writer lock; stop `echoctl serve` and other readers of the store \
            first. The index caches are rebuilt from the restored database. Exit code 0 when the restored store verifies.
            """)
    @Argument(help: "The backup file (written by `echoctl backup`).") var source: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let report = try storeOptions.app(.readWrite, runtime: runtime, label: "restore").restore(from: source)
        if output.json {
            struct Body: Encodable { let backup: BackupSummary; let verification: VerificationReport }
            try printJSON(Body(backup: report.backup, verification: report.verification))
        } else {
            print("restored \(report.backup.categories) categories, \(report.backup.references) references from \(report.backup.path)")
            for problem in report.verification.problems { print("problem: \(problem)") }
            print(report.verification.isConsistent ? "ok: the restored store verifies" : "\(report.verification.problems.count) problem\(report.verification.problems.count == 1 ? "" : "s")")
        }
        if !report.verification.isConsistent { throw ExitCode(1) }
    }
}
