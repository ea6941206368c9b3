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

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
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
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"?): continue
            default:
                throw StoreError(.invalidArgument, "the store URL option \(item.name)=\(item.value ?? "") is not supported (only sslmode=disable: run PostgreSQL on a trusted network or through a tunnel)")
            }
        }
        self.init(host: host, port: components.port ?? 5432, user: user,
                  password: components.password.flatMap { $0.removingPercentEncoding }, database: database)
    }

    /// The URL without its password, for messages and logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// `text` with any password replaced by `***`.
    public static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"), scheme.upperBound < at else { return text }
        let credentials = text[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
