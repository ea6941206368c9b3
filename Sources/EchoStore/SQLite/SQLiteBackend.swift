import EchoFeatures
import Foundation
import GRDB

/// The SQLite backend (through GRDB): one file in WAL mode, migrated by the numbered
/// files of `Migrations/`; one writer process at a time (`ReferenceStore` holds the file
/// lock), any number of readers. The change log is a store-wide sequence: every add and
/// delete takes the next number inside its transaction, and with one writer, commit order
/// is sequence order.
public final class SQLiteBackend: StoreBackend, Sendable {
    public let location: String
    let database: DatabasePool
    /// Parsed metadata by its JSON text (golden samples of one run share theirs).
    let metadataCache = MetadataCache()

    /// Opens the database at `path`; read-write migrates it to this build's schema,
    /// read-only requires that it already has it.
    /// - Throws: `.database` when SQLite cannot open or migrate it, or (read-only) its
    ///   schema is another build's.
    public init(path: String, readOnly: Bool, busyTimeout: TimeInterval) throws(StoreError) {
        location = path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "echo.store"
        configuration.prepareDatabase { db in db.add(function: StoreSchema.sha256) }
        do {
            database = try DatabasePool(path: path, configuration: configuration)
            if !readOnly {
                try StoreSchema.migrator.migrate(database)
            } else {
                try database.read { db in
                    let applied = try StoreSchema.migrator.appliedIdentifiers(db)
                    let known = Set(EmbeddedMigrations.all.map(\.name))
                    guard applied == known else {
                        throw StoreError(.database, "the store's schema (\(applied.sorted())) is not this echoctl's (\(known.sorted())); open it read-write once to migrate, or use a matching echoctl")
                    }
                }
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw SQLiteFailure.storeError(error, at: path, writing: !readOnly)
        } catch {
            throw StoreError(.database, "cannot open \(path): \(error)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.read(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw SQLiteFailure.storeError(error, at: location, writing: false)
        } catch {
            throw StoreError(.database, "reading \(location): \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.write(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw SQLiteFailure.storeError(error, at: location, writing: true)
        } catch {
            throw StoreError(.database, "writing \(location) (nothing was changed): \(error)")
        }
    }

    // MARK: categories

    public func categories() throws(StoreError) -> [Category] {
        try read { db in try CategoryRow.fetchAll(db, sql: "SELECT * FROM categories ORDER BY name").map(\.category) }
    }

    public func category(named name: String) throws(StoreError) -> Category? {
        try read { db in try CategoryRow.fetchOne(db, sql: "SELECT * FROM categories WHERE name = ?", arguments: [name]) }?.category
    }

    public func insertCategory(_ name: String, embedder: EmbedderIdentity, indexSpecification: String, createdAt: String) throws(StoreError) {
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM categories WHERE name = ?", arguments: [name]) ?? 0 > 0 {
                throw StoreError(.invalidArgument, "a category \"\(name)\" exists already")
            }
            try db.execute(sql: """
                INSERT INTO categories (name, embedder_id, weights_sha256, dimension, patch_dimension, input_size, index_spec, created_at,
                                        patch_recipe)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [name, embedder.id, embedder.weightsSHA256, embedder.globalDimension, embedder.patchDimension,
                                 embedder.inputSize, indexSpecification, createdAt, embedder.patchRecipe])
        }
    }

    public func renameCategory(id: Int64, from old: String, to new: String) throws(StoreError) {
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM categories WHERE name = ?", arguments: [new]) ?? 0 > 0 {
                throw StoreError(.invalidArgument, "a category \"\(new)\" exists already; choose another name or remove its references first")
            }
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM knowledge_entries WHERE category = ?", arguments: [new]) ?? 0 > 0 {
                throw StoreError(.invalidArgument, "knowledge for \"\(new)\" exists already (`echoctl knowledge show \(new)`); choose another name")
            }
            try db.execute(sql: "UPDATE categories SET name = ? WHERE id = ?", arguments: [new, id])
            try db.execute(sql: "UPDATE knowledge_entries SET category = ? WHERE category = ?", arguments: [new, old])
        }
    }

    // MARK: integrity

    public func integrityProblems() throws(StoreError) -> [String] {
        var problems: [String] = []
        let integrity = try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        if integrity != ["ok"] { problems += integrity.map { "SQLite integrity: \($0)" } }
        let foreignKeys = try read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") }
        if !foreignKeys.isEmpty { problems.append("SQLite: \(foreignKeys.count) rows break foreign keys") }
        return problems
    }

    public func damagedContent() throws(StoreError) -> [ContentDamage] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT 'vector' AS kind, c.name, r.id FROM reference_vectors v
                  JOIN reference_images r ON r.id = v.reference_id JOIN categories c ON c.id = r.category_id
                  WHERE r.deleted_seq IS NULL AND v.checksum IS NOT sha256(v.vector)
                UNION ALL
                SELECT 'patches', c.name, r.id FROM reference_patches p
                  JOIN reference_images r ON r.id = p.reference_id JOIN categories c ON c.id = r.category_id
                  WHERE r.deleted_seq IS NULL AND p.checksum IS NOT sha256(p.features)
                UNION ALL
                SELECT 'memory bank', c.name, NULL FROM memory_banks m JOIN categories c ON c.id = m.category_id
                  WHERE m.checksum IS NOT sha256(m.vectors, m.origins)
                """).map { row in
                ContentDamage(kind: ContentDamage.Kind(rawValue: row[0]) ?? .vector, category: row[1], referenceID: row[2])
            }.sorted(by: ContentDamage.reportOrder)
        }
    }
}
