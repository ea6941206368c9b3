/// An error from the reference store: what kind, and a message saying what was wrong
/// and what to do.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// There is no store at the given directory (and the mode does not create one).
        public static let notFound = Code(name: "no store")
        /// Another process holds the store's writer lock.
        public static let busy = Code(name: "store is busy")
        /// No category of that name.
        public static let unknownCategory = Code(name: "unknown category")
        /// The request does not fit the category: another embedder, another dimension.
        public static let incompatible = Code(name: "incompatible")
        /// An argument out of range: k ≤ 0, a bad metadata key, an unknown reference id.
        public static let invalidArgument = Code(name: "invalid argument")
        /// The store was opened read-only.
        public static let readOnly = Code(name: "read-only")
        /// SQLite failed (disk full, I/O error, corruption).
        public static let database = Code(name: "database error")
        /// A FAISS index operation failed.
        public static let index = Code(name: "index error")
        /// The file system failed (directory, lock file).
        public static let io = Code(name: "i/o")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and what to do.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
