import EchoConcurrency
import EchoFeatures
import EchoStore
import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL backend: many Echo nodes and many writers on one database.
///
/// Every method is one transaction on a pooled connection. Serialization failures and
/// deadlocks are retried; a connection lost before anything was sent is retried on a new
/// one; a database that cannot be reached is `StoreError.unavailable` (within the
/// timeouts, never a hang). The change log is commit-ordered per category: each write
/// takes the category's next log position by updating the category row under its row
/// lock, so a writer that commits later always gets a later position (see
/// `Migrations/postgres/0001_reference_store.sql`).
public final class PostgresBackend: StoreBackend, Sendable {
    public let location: String
    let pool: ConnectionPool
    let logger: Logger
    /// How many times a transaction is retried after a serialization failure or deadlock.
    static let conflictRetries = 8
    /// A fail point for tests: called inside an add's transaction after its rows are
    /// inserted and before it takes the category's next log position.
    let beforeHeadAdvance = Protected<(@Sendable () -> Void)?>(nil)
    /// The hot standby reads may go to (`--store-read`), when one is configured.
    let standby: StandbyRouter?

    /// Connects to the database at `location` and (read-write) brings its schema to this
    /// build's, under an advisory lock so concurrent first starts migrate once.
    /// - Parameters:
    ///   - connections: the most connections this process opens.
    /// - Throws: `.unavailable` when PostgreSQL cannot be reached; `.database` when the
    ///   schema is another build's (read-only) or a migration fails.
    ///   - standby: a hot standby of the same database (`pg_basebackup -R`) for reads:
    ///     used while it has replayed this process's writes and everything the primary had
    ///     written `staleness` ago; otherwise, or when it cannot be reached, reads go to the
    ///     primary.
    public init(location: PostgresLocation, readOnly: Bool = false, connections: Int = 8,
                timeouts: PostgresTimeouts = PostgresTimeouts(), standby: PostgresLocation? = nil, staleness: Duration = .seconds(1),
                logger: Logger) throws(StoreError) {
        self.location = location.description
        self.logger = logger
        let primary = try ConnectionPool(location: location, size: connections, timeouts: timeouts, logger: logger)
        pool = primary
        if let standby {
            self.standby = StandbyRouter(standby: try ConnectionPool(location: standby, size: connections, timeouts: timeouts, logger: logger),
                                         primary: primary, staleness: staleness, logger: logger)
        } else {
            self.standby = nil
        }
        try PostgresMigrator(backend: self).migrate(readOnly: readOnly)
    }

    deinit { standby?.stop() }

    /// Reads served by the standby and by the primary so far (both 0 without a standby).
    public var readCounts: (standby: Int, primary: Int) { standby?.counts ?? (0, 0) }

    // MARK: transactions

    /// Runs `body` in one read-write transaction (READ COMMITTED), retrying conflicts.
    /// - Throws: what `body` throws as `StoreError`, else `.unavailable` or `.database`.
    func write<T>(_ what: String, _ body: (Session) throws -> T) throws(StoreError) -> T {
        try transaction(what, begin: "BEGIN", on: pool, body)
    }

    /// Runs `body` in one read-only REPEATABLE READ transaction: every statement sees the
    /// same snapshot. On the standby when it is current enough (`StandbyRouter`).
    func read<T>(_ what: String, _ body: (Session) throws -> T) throws(StoreError) -> T {
        try routed(what, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body`, one read-only statement, outside an explicit transaction (a statement
    /// sees one snapshot of its own): one round trip instead of three. On the standby when
    /// it is current enough.
    func statement<T>(_ what: String, _ body: (Session) throws -> T) throws(StoreError) -> T {
        try routed(what, begin: nil, body)
    }

    private func routed<T>(_ what: String, begin: String?, _ body: (Session) throws -> T) throws(StoreError) -> T {
        if let standby, standby.useStandby() {
            do {
                return try transaction(what, begin: begin, on: standby.pool, body)
            } catch where error.code == .unavailable {
                standby.standbyFailed()
                logger.notice("a read on the standby failed; reading from the primary", metadata: ["store.what": "\(what)"])
            }
        }
        return try transaction(what, begin: begin, on: pool, body)
    }

    /// The channel every write notifies at commit with "categoryID:head".
    static let changeChannel = "echo_changes"

    private func transaction<T>(_ what: String, begin: String?, on pool: ConnectionPool, _ body: (Session) throws -> T) throws(StoreError) -> T {
        var attempt = 0
        while true {
            attempt += 1
            var committing = false
            do {
                return try pool.withConnection { session in
                    guard let begin else { return try body(session) }
                    try session.query(PostgresQuery(unsafeSQL: begin))
                    do {
                        let result = try body(session)
                        committing = true
                        try session.query("COMMIT")
                        if let standby, begin == "BEGIN" {
                            // How far the standby must replay before this process reads there again.
                            let current: PostgresQuery = "SELECT pg_current_wal_lsn()::text"
                            let lsn = (try? session.column(String.self, current).first.flatMap(LSN.init(text:)))
                                ?? (try? self.pool.withConnection { try $0.column(String.self, current).first.flatMap(LSN.init(text:)) })
                            // Unknown (the primary went away just after the commit): no standby reads from now on.
                            standby.wrote(upTo: (lsn ?? nil) ?? LSN(UInt64.max))
                        }
                        return result
                    } catch {
                        if !committing, !session.broken { _ = try? session.query("ROLLBACK") }
                        throw error
                    }
                }
            } catch let error as StoreError {
                throw error
            } catch let failure as SQLFailure {
                if failure.isRetryableConflict, attempt <= Self.conflictRetries {
                    logger.debug("retrying after a conflict", metadata: ["store.what": "\(what)", "store.attempt": "\(attempt)"])
                    Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.01) * Double(attempt))
                    continue
                }
                if failure.kind == .tls {
                    throw StoreError(.database, "cannot connect to \(location): \(failure.message)")
                }
                if failure.meansUnavailable {
                    if committing {
                        throw StoreError(.unavailable, "the connection to \(location) was lost while \(what) committed: it may or may not have been saved; retrying is safe (\(failure.message))")
                    }
                    if attempt == 1, failure.kind == .connectionLost, !committing {
                        // Often an idle connection that died with a restarted server: one new try.
                        pool.drain()
                        continue
                    }
                    throw StoreError(.unavailable, "PostgreSQL at \(location) is unavailable (\(failure.message)); nothing was changed by \(what); retry shortly")
                }
                throw StoreError(.database, "\(what) failed in PostgreSQL at \(location): \(failure)")
            } catch {
                throw StoreError(.database, "\(what) failed: \(error)")
            }
        }
    }

    // MARK: categories

    static let categoryColumns = """
        id, name, embedder_id, weights_sha256, dimension, patch_dimension, input_size, index_spec, reference_set_version, created_at, patch_recipe
        """

    static func category(_ row: PostgresRow) throws -> EchoStore.Category {
        let (id, name, embedderID, weights, dimension, patchDimension, inputSize, indexSpec, version, createdAt, recipe) =
            try row.decode((Int64, String, String, String, Int32, Int32, Int32, String, Int64, String, String).self)
        return EchoStore.Category(id: id, name: name,
                                  embedder: EmbedderIdentity(id: embedderID, weightsSHA256: weights, globalDimension: Int(dimension),
                                                             patchDimension: Int(patchDimension), inputSize: Int(inputSize), patchRecipe: recipe),
                                  indexSpecification: indexSpec, referenceSetVersion: version, createdAt: createdAt)
    }

    public func categories() throws(StoreError) -> [EchoStore.Category] {
        try statement("listing categories") { session in
            try session.query(PostgresQuery(unsafeSQL: "SELECT \(Self.categoryColumns) FROM categories ORDER BY name")).map(Self.category)
        }
    }

    public func category(named name: String) throws(StoreError) -> EchoStore.Category? {
        try statement("reading a category") { session in
            try session.query("SELECT \(unescaped: Self.categoryColumns) FROM categories WHERE name = \(name)").first.map(Self.category)
        }
    }

    public func insertCategory(_ name: String, embedder: EmbedderIdentity, indexSpecification: String, createdAt: String) throws(StoreError) {
        try write("creating a category") { session in
            let inserted = try session.query("""
                INSERT INTO categories (name, embedder_id, weights_sha256, dimension, patch_dimension, input_size, index_spec, created_at, patch_recipe)
                VALUES (\(name), \(embedder.id), \(embedder.weightsSHA256), \(Int32(embedder.globalDimension)), \(Int32(embedder.patchDimension)),
                        \(Int32(embedder.inputSize)), \(indexSpecification), \(createdAt), \(embedder.patchRecipe))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """)
            if inserted.isEmpty { throw StoreError(.invalidArgument, "a category \"\(name)\" exists already") }
        }
    }

    public func renameCategory(id: Int64, from old: String, to new: String) throws(StoreError) {
        try write("renaming a category") { session in
            if try session.column(Int64.self, "SELECT count(*) FROM categories WHERE name = \(new)").first ?? 0 > 0 {
                throw StoreError(.invalidArgument, "a category \"\(new)\" exists already; choose another name or remove its references first")
            }
            if try session.column(Int64.self, "SELECT count(*) FROM knowledge_entries WHERE category = \(new)").first ?? 0 > 0 {
                throw StoreError(.invalidArgument, "knowledge for \"\(new)\" exists already (`echoctl knowledge show \(new)`); choose another name")
            }
            do {
                try session.query("UPDATE categories SET name = \(new) WHERE id = \(id)")
            } catch let failure as SQLFailure where failure.sqlState == "23505" {
                throw StoreError(.invalidArgument, "a category \"\(new)\" exists already; choose another name or remove its references first")
            }
            try session.query("UPDATE knowledge_entries SET category = \(new) WHERE category = \(old)")
        }
    }

    // MARK: integrity

    public func integrityProblems() throws(StoreError) -> [String] {
        try read("checking integrity") { session in
            var problems: [String] = []
            let missingVectors = try session.column(Int64.self, """
                SELECT count(*) FROM reference_images r LEFT JOIN reference_vectors v ON v.reference_id = r.id
                WHERE v.reference_id IS NULL
                """).first ?? 0
            if missingVectors > 0 { problems.append("PostgreSQL: \(missingVectors) references have no vector") }
            let unpositioned = try session.column(Int64.self, "SELECT count(*) FROM reference_images WHERE added_pos IS NULL").first ?? 0
            if unpositioned > 0 { problems.append("PostgreSQL: \(unpositioned) references have no change-log position") }
            let ahead = try session.column(Int64.self, """
                SELECT count(*) FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.added_pos > c.log_head OR r.deleted_pos > c.log_head
                """).first ?? 0
            if ahead > 0 { problems.append("PostgreSQL: \(ahead) references have log positions beyond their category's head") }
            return problems
        }
    }

    public func damagedContent() throws(StoreError) -> [ContentDamage] {
        try read("checking stored values against their checksums") { session in
            try session.query("""
                SELECT 'vector', c.name, r.id FROM reference_vectors v
                  JOIN reference_images r ON r.id = v.reference_id JOIN categories c ON c.id = r.category_id
                  WHERE r.deleted_pos IS NULL AND v.checksum IS DISTINCT FROM sha256(v.vector)
                UNION ALL
                SELECT 'patches', c.name, r.id FROM reference_patches p
                  JOIN reference_images r ON r.id = p.reference_id JOIN categories c ON c.id = r.category_id
                  WHERE r.deleted_pos IS NULL AND p.checksum IS DISTINCT FROM sha256(p.features)
                UNION ALL
                SELECT 'memory bank', c.name, NULL FROM memory_banks m JOIN categories c ON c.id = m.category_id
                  WHERE m.checksum IS DISTINCT FROM sha256(m.vectors || m.origins)
                UNION ALL
                SELECT 'image', c.name, r.id FROM image_blobs b
                  JOIN reference_images r ON r.sha256 = b.sha256 JOIN categories c ON c.id = r.category_id
                  WHERE r.deleted_pos IS NULL AND encode(sha256(b.bytes), 'hex') <> b.sha256
                """).map { row in
                let (kind, category, id) = try row.decode((String, String, Int64?).self)
                return ContentDamage(kind: ContentDamage.Kind(rawValue: kind) ?? .vector, category: category, referenceID: id)
            }.sorted(by: ContentDamage.reportOrder)
        }
    }
}
