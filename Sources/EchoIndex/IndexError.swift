@_exported import EchoErrors

/// An error from a vector index: what kind of failure, and a message that says what was
/// wrong and, where it can, what to do.
public typealias IndexError = CodedError<IndexErrors>

/// The domain of `IndexError`.
public enum IndexErrors: ErrorDomain {}

extension CodedError.Code where Domain == IndexErrors {
    /// The FAISS index description (factory string) was rejected.
    public static var invalidSpecification: Self { Self(name: "invalid specification") }

    /// A vector batch's length is not a multiple of the index dimension, or ids and
    /// vectors disagree in count.
    public static var dimensionMismatch: Self { Self(name: "dimension mismatch") }

    /// An argument out of range (k ≤ 0, negative id, unknown parameter, ...).
    public static var invalidArgument: Self { Self(name: "invalid argument") }

    /// The index must be trained before vectors are added.
    public static var notTrained: Self { Self(name: "not trained") }

    /// An id to add is already stored.
    public static var duplicateID: Self { Self(name: "duplicate id") }

    /// The index type cannot do this (e.g. removal from HNSW).
    public static var unsupported: Self { Self(name: "unsupported") }

    /// Reading or writing the index file failed, or the file is not a valid index.
    public static var io: Self { Self(name: "i/o") }

    /// The disk (or the user's quota) had no room for the index file: nothing was
    /// replaced; free space and save again.
    public static var noSpace: Self { Self(name: "no space left") }

    /// An index file that is damaged, edited, or not written by this Echo (its checksum
    /// trailer is missing or wrong): never handed to FAISS; rebuild it.
    public static var corrupt: Self { Self(name: "corrupt index file") }

    /// Memory ran out inside FAISS.
    public static var outOfMemory: Self { Self(name: "out of memory") }

    /// Any other failure inside FAISS.
    public static var internalFailure: Self { Self(name: "internal FAISS failure") }
}
