import ArgumentParser
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

    func open(_ mode: ReferenceStore.Mode, logger: Logger) throws -> ReferenceStore {
        do {
            return try ReferenceStore(directory: directory, mode: mode, lockTimeout: wait, logger: logger)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// Parses repeated `--meta key=value` options.
func parseMetadata(_ pairs: [String]) throws -> [String: String] {
    var metadata: [String: String] = [:]
    for pair in pairs {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("--meta takes key=value, got \"\(pair)\"")
        }
        metadata[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
    }
    do {
        try MetadataRule.validate(metadata)
    } catch {
        throw ValidationError(error.description)
    }
    return metadata
}
