import EchoFeatures
import Foundation
import GRDB

/// The store's schema: the numbered SQL files of `Migrations/`, embedded at build time,
/// applied in order by GRDB's migrator (each in its own transaction, recorded in
/// `grdb_migrations`).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            migrator.registerMigration(migration.name) { db in
                if let done = alreadyApplied[migration.name], try done(db) { return }
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// Migrations whose changes a store may already hold under an earlier number, and how
    /// to tell. A build of 2026-12-01 shipped 0006 with the two background columns that
    /// 0007 now adds (0006 was edited after its first commit; it is restored, and the
    /// addition has its own number). On such a store 0007 is recorded without altering
    /// anything; on every other store it runs.
    static let alreadyApplied: [String: @Sendable (Database) throws -> Bool] = [
        "0007_drift_background_levels": { db in
            try db.columns(in: "run_results").contains { $0.name == "background" }
                && db.columns(in: "calibrations").contains { $0.name == "backgrounds" }
        },
    ]
}

extension StoreSchema {
    /// `sha256(blob, ...)`: the SHA-256 of its arguments' bytes, concatenated (NULL if any is
    /// not a blob); migration 0008 and `verify` use it, registered on every connection.
    static let sha256 = DatabaseFunction("sha256", argumentCount: nil, pure: true) { values -> Data? in
        var parts: [Data] = []
        for value in values {
            guard case .blob(let data) = value.storage else { return nil }
            parts.append(data)
        }
        return ContentChecksum.of(parts)
    }
}

/// A `categories` row.
struct CategoryRow: FetchableRecord, Decodable {
    var id: Int64
    var name: String
    var embedder_id: String
    var weights_sha256: String
    var dimension: Int
    var patch_dimension: Int
    var input_size: Int
    var index_spec: String
    var reference_set_version: Int64
    var created_at: String
    var patch_recipe: String

    var category: Category {
        Category(
            id: id, name: name,
            embedder: EmbedderIdentity(id: embedder_id, weightsSHA256: weights_sha256, globalDimension: dimension,
                                       patchDimension: patch_dimension, inputSize: input_size, patchRecipe: patch_recipe),
            indexSpecification: index_spec, referenceSetVersion: reference_set_version, createdAt: created_at)
    }
}
