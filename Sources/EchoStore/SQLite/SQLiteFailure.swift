import GRDB

/// SQLite's failures in words a user can act on. The statement that failed is left out
/// (it names tables and columns, and means nothing to the person at the line): the result
/// code decides the kind, SQLite's own short message the detail.
enum SQLiteFailure {
    /// The store error for `error`, met while reading or writing the database at `location`.
    static func storeError(_ error: DatabaseError, at location: String, writing: Bool) -> StoreError {
        let detail = error.message ?? "\(error.resultCode)"
        let unsaved = writing ? "; this write saved nothing, everything saved before is kept" : ""
        switch error.resultCode {
        case .SQLITE_FULL:
            return StoreError(.diskFull, "the disk holding \(location) is full\(unsaved); free space on it, then run the command again")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return StoreError(.corrupt, "the database \(location) is damaged (SQLite: \(detail)); restore the last good backup with `echoctl restore BACKUP` (`echoctl verify` lists the damage)")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            return StoreError(.io, "cannot \(writing ? "write" : "read") the database \(location) (SQLite: \(detail)); check that the directory and its files exist and this user may \(writing ? "write" : "read") them")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.busy, "the database \(location) stayed locked by another process (SQLite: \(detail)); retry")
        case .SQLITE_IOERR:
            return StoreError(.database, "the disk failed while \(writing ? "writing" : "reading") \(location) (SQLite: \(detail), code \(error.extendedResultCode.rawValue))\(unsaved); check the disk and the system log")
        default:
            return StoreError(.database, "SQLite failed while \(writing ? "writing" : "reading") \(location): \(detail) (code \(error.extendedResultCode.rawValue))\(unsaved)")
        }
    }
}
