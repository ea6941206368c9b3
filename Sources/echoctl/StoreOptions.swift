import ArgumentParser
import EchoApplication
import EchoExperts
import EchoStore
import Foundation
import Logging

/// Where the store is and how long to wait for another writer.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The store: a directory (SQLite) or postgres://USER@HOST:PORT/DATABASE (default: $ECHO_STORE, else ./echo-store).",
                               discussion: "A PostgreSQL password comes from the URL, $ECHO_STORE_PASSWORD or the file named by $ECHO_STORE_PASSWORD_FILE."))
    var store: String?

    @Option(help: "A PostgreSQL store's local caches: FAISS indexes (default: $ECHO_CACHE, else ./echo-cache).")
    var cache: String?

    @Option(help: ArgumentHelp("A hot standby of a PostgreSQL store (pg_basebackup -R) for reads (default: $ECHO_STORE_READ).",
                               discussion: "Used while it has replayed this node's writes and all the primary wrote a second ago; else reads go to the primary."))
    var storeRead: String?

    @Option(help: "Seconds to wait while another process writes the store.")
    var wait: Double = 10

    var directory: String {
        if let store { return store }
        if let environment = ProcessInfo.processInfo.environment["ECHO_STORE"], !environment.isEmpty { return environment }
        return "echo-store"
    }

    /// Where the store is: the option, else the environment, else the default.
    /// - Throws: `invalid_parameter` for a malformed URL; `bad_request` for an unreadable password file.
    func location() throws(EchoError) -> StoreLocation {
        let environment = ProcessInfo.processInfo.environment
        let cacheDirectory = cache ?? environment["ECHO_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
        let password = try Self.password()
        let standby = storeRead ?? environment["ECHO_STORE_READ"].flatMap { $0.isEmpty ? nil : $0 }
        return try StoreLocation(directory, cache: cacheDirectory, password: password, standby: standby)
    }

    /// The database password for a URL without one: `ECHO_STORE_PASSWORD`, else the file
    /// named by `ECHO_STORE_PASSWORD_FILE`; nil when neither is set.
    /// - Throws: `bad_request` for an unreadable password file.
    static func password() throws(EchoError) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let password = environment["ECHO_STORE_PASSWORD"], !password.isEmpty { return password }
        guard let file = environment["ECHO_STORE_PASSWORD_FILE"], !file.isEmpty else { return nil }
        do {
            return try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        } catch {
            throw EchoError(.badRequest, "cannot read the password file named by ECHO_STORE_PASSWORD_FILE (\(file)): \(error.localizedDescription)")
        }
    }

    /// Opens the store.
    /// - Throws: `EchoError` (`no_store`, `store_busy`, `database_unavailable`, `store_failed`).
    func open(_ mode: ReferenceStore.Mode, logger: Logger) throws -> ReferenceStore {
        try location().open(mode, lockTimeout: wait, logger: logger)
    }

    /// The use cases over the opened store, with the embedder when `embedder` is given
    /// and the runtime's limits.
    func app(_ mode: ReferenceStore.Mode, runtime: RuntimeOptions, label: String, embedder: EmbedderOptions? = nil,
             panel: (ReferenceStore, Logger) throws -> ExpertPanel? = { _, _ in nil }) throws -> EchoApp {
        let logger = runtime.prepare(label: label)
        let loaded = try embedder?.load()
        let store = try open(mode, logger: logger)
        return EchoApp(store: store, embedder: loaded, panel: try panel(store, logger), limits: runtime.limits, logger: logger)
    }
}

/// Metadata from repeated `key=value` options, parsed once by ArgumentParser.
struct MetadataPair: ExpressibleByArgument {
    let key: String
    let value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    static var defaultValueDescription: String { "key=value" }
}

extension Array where Element == MetadataPair {
    /// The pairs as a dictionary (a later key wins); the use case checks them by `MetadataRule`.
    var dictionary: [String: String] { Dictionary(map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }) }
}
