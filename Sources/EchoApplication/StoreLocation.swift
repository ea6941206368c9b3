import EchoStore
import EchoStorePostgres
import Foundation
import Logging

/// Where a store lives, as the adapters name it (`--store`, `ECHO_STORE`): a directory
/// (the embedded SQLite store, one writer process) or a `postgres://` URL (many nodes and
/// writers on one database, each node keeping its FAISS caches in `cache`).
public enum StoreLocation: Sendable, CustomStringConvertible {
    case directory(String)
    /// `standby`: a hot standby for reads (`--store-read`), with its staleness bound.
    case postgres(PostgresLocation, cache: String, standby: PostgresLocation? = nil)

    /// Reads `text` as a PostgreSQL URL or a directory.
    /// - Parameters:
    ///   - cache: a node's cache directory for a PostgreSQL store (default `./echo-cache`).
    ///   - password: the database password when the URL has none (from the environment or
    ///     a file, read by the executable; never logged).
    /// - Throws: `invalid_parameter` for a malformed URL.
    ///   - standby: a hot standby's URL for reads (`--store-read`); only with a PostgreSQL store.
    public init(_ text: String, cache: String?, password: String?, standby: String? = nil) throws(EchoError) {
        guard PostgresLocation.isURL(text) else {
            if let standby { throw EchoError(.invalidParameter, "a read standby (\(Self.redacted(standby))) needs a PostgreSQL store, not a directory") }
            self = .directory(text)
            return
        }
        let location = try Self.parse(text, password: password)
        self = .postgres(location, cache: cache ?? "echo-cache", standby: try standby.map { standby throws(EchoError) in try Self.parse(standby, password: password) })
    }

    private static func parse(_ text: String, password: String?) throws(EchoError) -> PostgresLocation {
        var location: PostgresLocation
        do {
            location = try PostgresLocation(url: text)
        } catch {
            throw EchoError(.invalidParameter, error.message, cause: error)
        }
        if location.password == nil { location.password = password }
        return location
    }

    private static func redacted(_ text: String) -> String {
        (try? PostgresLocation(url: text).description) ?? "the URL given"
    }

    /// The store as people should see it (never a password).
    public var description: String {
        switch self {
        case .directory(let path): path
        case .postgres(let location, let cache, let standby): "\(location) (caches in \(cache)\(standby.map { "; reads from \($0)" } ?? ""))"
        }
    }

    /// Opens the store.
    /// - Parameter lockTimeout: how long a SQLite writer waits for another.
    /// - Throws: `no_store`, `store_busy`, `database_unavailable`, `store_failed`.
    public func open(_ mode: ReferenceStore.Mode, lockTimeout: TimeInterval, logger: Logger) throws(EchoError) -> ReferenceStore {
        do {
            switch self {
            case .directory(let path):
                return try ReferenceStore(directory: path, mode: mode, lockTimeout: lockTimeout, logger: logger)
            case .postgres(let location, let cache, let standby):
                let backend = try PostgresBackend(location: location, readOnly: mode == .readOnly, standby: standby, logger: logger)
                return try ReferenceStore(backend: backend, cacheDirectory: cache, mode: mode, logger: logger)
            }
        } catch {
            throw EchoError(classifying: error)
        }
    }
}
