/// An error from a vector index: what kind of failure, and a message that says what was
/// wrong and, where it can, what to do.
public struct IndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// The FAISS index description (factory string) was rejected.
        public static let invalidSpecification = Code(name: "invalid specification")
        /// A vector batch's length is not a multiple of the index dimension, or ids and
        /// vectors disagree in count.
        public static let dimensionMismatch = Code(name: "dimension mismatch")
        /// An argument out of range (k ≤ 0, negative id, unknown parameter, ...).
        public static let invalidArgument = Code(name: "invalid argument")
        /// The index must be trained before vectors are added.
        public static let notTrained = Code(name: "not trained")
        /// An id to add is already stored.
        public static let duplicateID = Code(name: "duplicate id")
        /// The index type cannot do this (e.g. removal from HNSW).
        public static let unsupported = Code(name: "unsupported")
        /// Reading or writing the index file failed, or the file is not a valid index.
        public static let io = Code(name: "i/o")
        /// Memory ran out inside FAISS.
        public static let outOfMemory = Code(name: "out of memory")
        /// Any other failure inside FAISS.
        public static let internalFailure = Code(name: "internal FAISS failure")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, including FAISS's own message where there is one.
    public let message: String

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
