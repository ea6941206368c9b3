import EchoConcurrency
import EchoStore
import PostgresNIO

/// A category's long-job lock in PostgreSQL: a session-level advisory lock on a connection
/// of its own, so it lasts as long as the job and goes with a holder that dies.
final class PostgresJobLock: CategoryJobLock {
    private let connection: Protected<PostgresConnection?>

    init(connection: PostgresConnection) {
        self.connection = Protected(connection)
    }

    func release() {
        // Closing the connection ends its session, and so its advisory locks.
        if let connection = connection.withLock({ $0.take() }) { ConnectionPool.close(connection) }
    }

    deinit { release() }
}

extension PostgresBackend {
    /// The first key of Echo's advisory locks ("ECHO"); the second is the category's id.
    static let jobLockSpace: Int32 = 0x4543_484F

    public func lockCategoryJob(categoryID: Int64, categoryName: String, what: String) throws(StoreError) -> (any CategoryJobLock)? {
        let session: Session
        do {
            session = try pool.dedicatedSession()
        } catch {
            throw StoreError(.unavailable, "PostgreSQL at \(location) is unavailable (\(error)); \(what) \(categoryName) did not start; retry shortly")
        }
        let taken: Bool
        do {
            taken = try session.column(Bool.self, "SELECT pg_try_advisory_lock(\(Self.jobLockSpace), \(Int32(truncatingIfNeeded: categoryID)))").first ?? false
        } catch {
            ConnectionPool.close(session.connection)
            throw StoreError(.unavailable, "PostgreSQL at \(location) is unavailable (\(error)); \(what) \(categoryName) did not start; retry shortly")
        }
        guard taken else {
            ConnectionPool.close(session.connection)
            throw StoreError(.busy, "another node is running a long job on \(categoryName) (calibration, memory bank or patch re-extraction); \(what) it can start when that one is done")
        }
        return PostgresJobLock(connection: session.connection)
    }
}
