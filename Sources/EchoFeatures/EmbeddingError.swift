@_exported import EchoErrors

/// An error from the embedding pipeline: what kind, and a message that says what was
/// wrong and what to do (for weights, the command that fixes it).
public typealias EmbeddingError = CodedError<EmbeddingErrors>

/// The domain of `EmbeddingError`.
public enum EmbeddingErrors: ErrorDomain {}

extension CodedError.Code where Domain == EmbeddingErrors {
    /// No weights file where Echo looks for it.
    public static var weightsMissing: Self { Self(name: "weights missing") }

    /// The weights file is not one Echo wrote, is truncated, or fails its SHA-256.
    public static var weightsDamaged: Self { Self(name: "weights damaged") }

    /// The weights file is well-formed but a tensor is missing or has the wrong shape.
    public static var weightsMismatch: Self { Self(name: "weights do not fit the network") }

    /// Vectors made by another embedder (or of another size) were mixed with these.
    public static var embedderMismatch: Self { Self(name: "embedder mismatch") }

    /// The input could not be embedded.
    public static var invalidInput: Self { Self(name: "invalid input") }
}
