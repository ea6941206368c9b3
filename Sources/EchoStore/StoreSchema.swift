import EchoEmbedding
import GRDB

/// The store's schema: the numbered SQL files of `Migrations/`, embedded at build time,
/// applied in order by GRDB's migrator (each in its own transaction, recorded in
/// `grdb_migrations`).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
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
