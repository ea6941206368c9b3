/// A kind of error with its own codes: each Echo library declares one (`StoreErrors`,
/// `IndexErrors`, ...), so its functions can throw a type of their own.
public protocol ErrorDomain: Sendable {}

/// An error of a domain: what kind of failure (`code`) and a message saying what was
/// wrong and what to do. The libraries name their own: `StoreError`, `IndexError`,
/// `ImagingError`, `EmbeddingError`.
public struct CodedError<Domain: ErrorDomain>: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure. Each domain declares its codes as static members in a
    /// constrained extension; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// A code with a short, readable name ("unknown category").
        public init(name: String) {
            self.name = name
        }

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
