import EchoIndex
@_exported import EchoErrors
// Embedder identities and patch features appear in the store's API.
@_exported import EchoFeatures

/// An error from the reference store: what kind, and a message saying what was wrong
/// and what to do.
public typealias StoreError = CodedError<StoreErrors>

/// The domain of `StoreError`.
public enum StoreErrors: ErrorDomain {}

extension CodedError.Code where Domain == StoreErrors {
    /// There is no store at the given directory (and the mode does not create one).
    public static var notFound: Self { Self(name: "no store") }

    /// Another process holds the store's writer lock.
    public static var busy: Self { Self(name: "store is busy") }

    /// No category of that name.
    public static var unknownCategory: Self { Self(name: "unknown category") }

    /// The request does not fit the category: another embedder, another dimension.
    public static var incompatible: Self { Self(name: "incompatible") }

    /// An argument out of range: k ≤ 0, a bad metadata key, an unknown reference id.
    public static var invalidArgument: Self { Self(name: "invalid argument") }

    /// A category name breaks `CategoryName`'s rule.
    public static var invalidCategoryName: Self { Self(name: "invalid category name") }

    /// Metadata breaks `MetadataRule`.
    public static var invalidMetadata: Self { Self(name: "invalid metadata") }

    /// An index description breaks `IndexSpecificationRule`.
    public static var invalidIndex: Self { Self(name: "invalid index") }

    /// The store was opened read-only.
    public static var readOnly: Self { Self(name: "read-only") }

    /// SQLite failed (an I/O error, a lock it could not take, ...).
    public static var database: Self { Self(name: "database error") }

    /// The disk holding the store (database, index files) is full: the write that hit it
    /// saved nothing, everything saved before stays. Free space and retry.
    public static var diskFull: Self { Self(name: "disk full") }

    /// The database file is damaged (SQLite reports it malformed or not a database):
    /// restore a backup (`echoctl restore`).
    public static var corrupt: Self { Self(name: "damaged database") }

    /// The database cannot be reached (down, restarting, a lost connection, every
    /// connection busy): retry later. A write whose connection was lost while it
    /// committed may or may not have committed; retrying it is safe (ingest is idempotent).
    public static var unavailable: Self { Self(name: "database unavailable") }

    /// A long job's result (a calibration, a memory bank) was computed on an older
    /// reference set than the one already saved: it is not saved. Run the job again.
    public static var stale: Self { Self(name: "stale result") }

    /// A FAISS index operation failed.
    public static var index: Self { Self(name: "index error") }

    /// The file system failed (directory, lock file).
    public static var io: Self { Self(name: "i/o") }
}

extension CodedError where Domain == StoreErrors {
    /// A failed index operation as a store error: a full disk stays a full disk.
    package static func index(_ error: IndexError, _ context: String) -> StoreError {
        StoreError(error.code == .noSpace ? .diskFull : .index, "\(context): \(error.message)")
    }

    /// A result of reference set `attempted` refused because one of `stored` (newer) is saved.
    package static func newerResult(_ what: String, of category: String, stored: Int64, attempted: Int64) -> StoreError {
        StoreError(.stale, "a newer \(what) of \(category) (reference set \(stored)) was saved while this one (reference set \(attempted)) was computed; nothing was saved; run it again if the references changed since")
    }
}
