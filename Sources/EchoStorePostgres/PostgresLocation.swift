import EchoStore
import Foundation

/// Where a PostgreSQL store lives: parsed from `postgres://user[:password]@host[:port]/database`.
/// The password may instead come from the environment or a file (the executable passes it
/// in); `description` never shows it.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// How the connection is encrypted (the URL's `sslmode`, as libpq reads it).
    public var tls: TLSMode

    /// libpq's `sslmode` values Echo takes, with `sslrootcert` (a PEM file of the CA
    /// certificates to trust; the system's when absent) for the verifying ones.
    public enum TLSMode: Sendable, Equatable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate (against eavesdropping only).
        case require
        /// TLS with a certificate signed by a trusted CA, for any host name.
        case verifyCA(rootCertificate: String?)
        /// TLS with a certificate signed by a trusted CA and naming the host.
        case verifyFull(rootCertificate: String?)

        var name: String {
            switch self {
            case .disable: "disable"
            case .prefer: "prefer"
            case .require: "require"
            case .verifyCA: "verify-ca"
            case .verifyFull: "verify-full"
            }
        }
    }

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Whether `text` names a PostgreSQL store (rather than a directory).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a `postgres://` URL.
    /// - Throws: `.invalidArgument` saying which part is missing or unsupported.
    public init(url text: String) throws(StoreError) {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw StoreError(.invalidArgument, "\"\(Self.redacted(text))\" is not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw StoreError(.invalidArgument, "the store URL \(Self.redacted(text)) has no host; write postgres://USER@HOST:PORT/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreError(.invalidArgument, "the store URL \(Self.redacted(text)) has no user; write postgres://USER@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError(.invalidArgument, "the store URL \(Self.redacted(text)) names no database; write postgres://USER@HOST:PORT/DATABASE")
        }
        var mode = "prefer"
        var rootCertificate: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", let value?) where ["disable", "prefer", "require", "verify-ca", "verify-full"].contains(value): mode = value
            case ("sslrootcert", let value?) where !value.isEmpty: rootCertificate = value
            default:
                throw StoreError(.invalidArgument, "the store URL option \(item.name)=\(item.value ?? "") is not supported (Echo takes sslmode=disable|prefer|require|verify-ca|verify-full and sslrootcert=PATH)")
            }
        }
        if rootCertificate != nil, !mode.hasPrefix("verify") {
            throw StoreError(.invalidArgument, "sslrootcert is used only with sslmode=verify-ca or verify-full (the URL says sslmode=\(mode))")
        }
        if mode == "verify-full", host.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" }), host.contains(where: { $0 == "." || $0 == ":" }) {
            throw StoreError(.invalidArgument, "sslmode=verify-full checks that the certificate names the host: give the database's DNS name, not the address \(host) (or use sslmode=verify-ca)")
        }
        let tls: TLSMode = switch mode {
        case "disable": .disable
        case "require": .require
        case "verify-ca": .verifyCA(rootCertificate: rootCertificate)
        case "verify-full": .verifyFull(rootCertificate: rootCertificate)
        default: .prefer
        }
        self.init(host: host, port: components.port ?? 5432, user: user,
                  password: components.password.flatMap { $0.removingPercentEncoding }, database: database, tls: tls)
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.name)")
    }

    /// `text` with any password replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
