/// An error from the MLLM client: what kind, and a message saying what failed, where
/// (the endpoint, never the key) and what to do.
public struct MLLMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String

        /// No endpoint or model is configured (flags or ECHO_MLLM_URL / ECHO_MLLM_MODEL).
        public static let notConfigured = Code(name: "MLLM not configured")
        /// The configuration is unusable: a malformed URL, a non-positive timeout.
        public static let invalidConfiguration = Code(name: "invalid MLLM configuration")
        /// No answer within the timeout.
        public static let timeout = Code(name: "MLLM timeout")
        /// The server could not be reached or dropped the connection.
        public static let connection = Code(name: "MLLM connection failed")
        /// The server answered with an HTTP error status (after any retries).
        public static let http = Code(name: "MLLM HTTP error")
        /// The answer is not a chat completion (bad JSON, no choices, no content).
        public static let badResponse = Code(name: "bad MLLM response")
        /// The caller cancelled the request.
        public static let cancelled = Code(name: "cancelled")

        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and what to do.
    public let message: String
    /// The HTTP status, for `.http`.
    public let status: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code): \(message)" }

    /// Whether trying again may help: rate limits, server errors, dropped connections.
    public var isRetryable: Bool {
        switch code {
        case .connection: return true
        case .http: return status == 429 || (status.map { $0 >= 500 } ?? false)
        default: return false
        }
    }
}
