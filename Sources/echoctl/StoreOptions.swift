import ArgumentParser
import EchoApplication
import EchoExperts
import EchoStore
import Foundation
import Logging

/// Where the store is and how long to wait for another writer.
struct StoreOptions: ParsableArguments {
    @Option(help: "The store directory (default: $ECHO_STORE, else ./echo-store).")
    var store: String?

    @Option(help: "Seconds to wait while another process writes the store.")
    var wait: Double = 10

    var directory: String {
        if let store { return store }
        if let environment = ProcessInfo.processInfo.environment["ECHO_STORE"], !environment.isEmpty { return environment }
        return "echo-store"
    }

    /// Opens the store.
    /// - Throws: `EchoError` (`no_store`, `store_busy`, `store_failed`).
    func open(_ mode: ReferenceStore.Mode, logger: Logger) throws -> ReferenceStore {
        do {
            return try ReferenceStore(directory: directory, mode: mode, lockTimeout: wait, logger: logger)
        } catch {
            throw EchoError(classifying: error)
        }
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
