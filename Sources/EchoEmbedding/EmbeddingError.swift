/// An error from the embedding pipeline: what kind, and a message that says what was
/// wrong and what to do (for weights, the command that fixes it).
public struct EmbeddingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure. Extensible: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// No weights file where Echo looks for it.
        public static let weightsMissing = Code(name: "weights missing")
        /// The weights file is not one Echo wrote, is truncated, or fails its SHA-256.
        public static let weightsDamaged = Code(name: "weights damaged")
        /// The weights file is well-formed but a tensor is missing or has the wrong shape.
        public static let weightsMismatch = Code(name: "weights do not fit the network")
        /// Vectors made by another embedder (or of another size) were mixed with these.
        public static let embedderMismatch = Code(name: "embedder mismatch")
        /// The input could not be embedded.
        public static let invalidInput = Code(name: "invalid input")

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
