import EchoStore
import Foundation
import Logging

/// What `copyStore` did and what `verify` found on both sides afterwards.
public struct StoreCopyOutcome: Sendable, Encodable {
    public let report: StoreCopyReport
    public let source: VerificationReport
    public let destination: VerificationReport

    /// Whether the copy matches its source and both sides verify clean.
    public var isClean: Bool { report.mismatches.isEmpty && source.isConsistent && destination.isConsistent }
}

extension EchoApp {
    /// Copies a store's golden sets into a new store on another backend (SQLite into
    /// PostgreSQL to grow into a cluster, or back), without re-embedding, then verifies
    /// both: the same references in the same order with the same vectors, patches,
    /// exclusions, calibrations, memory banks and knowledge (`StoreCopier`).
    /// - Throws: `invalid_parameter` for the same store twice or a destination that is not
    ///   empty; `no_store` for a missing source; `store_busy`, `database_unavailable`,
    ///   `store_failed`.
    public static func copyStore(from source: StoreLocation, to destination: StoreLocation, lockTimeout: TimeInterval = 10, logger: Logger,
                                 progress: (String, Int) -> Void = { _, _ in }) throws(EchoError) -> StoreCopyOutcome {
        guard source.description != destination.description else {
            throw EchoError(.invalidParameter, "the source and the destination are the same store (\(source)); name a new store to copy into")
        }
        let from = try source.open(.readOnly, lockTimeout: lockTimeout, logger: logger)
        let to = try destination.open(.readWrite, lockTimeout: lockTimeout, logger: logger)
        return try classified {
            let report = try StoreCopier(source: from.backend, destination: to.backend, uploadsDirectory: to.directory + "/uploads").copy(progress: progress)
            let outcome = StoreCopyOutcome(report: report, source: try from.verify(), destination: try to.verify())
            try to.saveIndexes()
            logger.info("copied a store", metadata: ["from": "\(source)", "to": "\(destination)", "categories": "\(report.categories.count)",
                                                     "clean": "\(outcome.isClean)"])
            return outcome
        }
    }
}
