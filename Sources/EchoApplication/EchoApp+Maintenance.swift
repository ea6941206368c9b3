import Foundation
import Logging
import EchoStore

extension EchoApp {
    /// Checks SQLite's integrity and that every index agrees with the metadata.
    /// - Throws: `store_failed` when the check itself cannot run (problems found are in
    ///   the report, not thrown).
    public func verify() throws(EchoError) -> VerificationReport {
        try classified { try store.verify() }
    }

    /// Opens the store at `location` read-only and verifies it; an SQLite store whose
    /// database is too damaged to open is reported (SQLite's integrity findings and what to
    /// do) rather than thrown.
    /// - Throws: as `StoreLocation.open` for anything but a damaged SQLite database.
    public static func verify(_ location: StoreLocation, lockTimeout: TimeInterval, logger: Logger) throws(EchoError) -> VerificationReport {
        do {
            let app = EchoApp(store: try location.open(.readOnly, lockTimeout: lockTimeout, logger: logger), embedder: nil, logger: logger)
            return try app.verify()
        } catch {
            guard case .directory(let path) = location, (error.cause as? StoreError)?.code == .corrupt else { throw error }
            logger.error("the store's database is damaged", metadata: ["store.error": "\(error.message)"])
            return ReferenceStore.verifyDamagedDatabase(inDirectory: path)
        }
    }

    /// Rebuilds a category's FAISS index (or every category's) from SQLite.
    /// - Returns: the vectors indexed, per category, in order.
    /// - Throws: `unknown_category`; `read_only`, `store_busy`, `store_failed`.
    public func rebuildIndexes(category: String?) throws(EchoError) -> [(category: String, vectors: Int)] {
        try classified {
            let names = try category.map { [$0] } ?? store.categories().map(\.name)
            return try names.map { (category: $0, vectors: try store.rebuildIndex(category: $0)) }
        }
    }
}
