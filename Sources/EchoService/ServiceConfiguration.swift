import Foundation

/// How the service listens and what it allows.
public struct ServiceConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// Bearer tokens; nil serves without authentication (only allowed on loopback).
    public var tokens: APITokens?
    /// The largest request body accepted (images, knowledge JSON).
    public var maxBodyBytes: Int = 32 << 20
    /// The most pixels an uploaded image may decode to.
    public var maxPixels: Int = 40_000_000
    /// The longest a request's work may take before the service answers 503.
    public var requestTimeout: Duration = .seconds(60)
    /// The most neighbours a query may ask for.
    public var maxK: Int = 100

    public init() {}

    /// Whether `host` is a loopback address (where running without authentication is allowed).
    public var isLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host.lowercased()) || host.hasPrefix("127.")
    }

    /// Checks the combination before the service starts.
    /// - Throws: `ServiceError` (a configuration error) for no tokens without `--no-auth`,
    ///   `--no-auth` off loopback, or limits that are not positive.
    public func validate() throws {
        if let tokens {
            guard !tokens.isEmpty else {
                throw ServiceError(.internalServerError, "configuration",
                                   "no API tokens: set ECHO_API_TOKENS (and ECHO_API_READONLY_TOKENS) or pass --token-file; --no-auth serves without them on loopback only")
            }
        } else if !isLoopback {
            throw ServiceError(.internalServerError, "configuration", "--no-auth is allowed only when bound to loopback (127.0.0.1 or ::1), not \(host)")
        }
        guard maxBodyBytes > 0, maxPixels > 0, requestTimeout > .zero, maxK > 0, (1...65535).contains(port) || port == 0 else {
            throw ServiceError(.internalServerError, "configuration", "limits and the port must be positive")
        }
    }
}
