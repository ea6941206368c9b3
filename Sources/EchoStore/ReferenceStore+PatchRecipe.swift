import EchoFeatures
import GRDB

extension ReferenceStore {
    /// Replaces the patch features of every live reference of a category in one
    /// transaction and records the recipe that made them. Bumps the reference-set version,
    /// so thresholds and memory banks computed on the old features become stale. Global
    /// vectors (and so the FAISS index) are untouched.
    /// - Parameter features: new patch features by reference id; must cover every live
    ///   reference of the category, and nothing else.
    /// - Throws: `.invalidArgument` when `features` does not match the live references;
    ///   `.incompatible` for a wrong patch dimension; `.unknownCategory`; `.readOnly`;
    ///   `.database` (nothing is changed).
    public func replacePatchFeatures(_ features: [Int64: PatchFeatures], in categoryName: String, recipe: String) throws(StoreError) {
        try requireWritable()
        let category = try category(named: categoryName)
        for (id, patches) in features where patches.dimension != category.embedder.patchDimension {
            throw StoreError(.incompatible, "reference \(id): \(patches.dimension)-d patch features for category \"\(categoryName)\", which uses \(category.embedder.patchDimension)-d")
        }
        try writeLock.locked { () throws(StoreError) in
            let live: [Int64] = try read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM reference_images WHERE category_id = ? AND deleted_seq IS NULL", arguments: [category.id])
            }
            guard Set(live) == Set(features.keys) else {
                throw StoreError(.invalidArgument, "new patch features cover \(features.count) references, but \"\(categoryName)\" has \(live.count) live ones; nothing was changed")
            }
            try write { db in
                let replace = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO reference_patches (reference_id, height, width, dimension, features) VALUES (?, ?, ?, ?, ?)
                    """)
                for (id, patches) in features.sorted(by: { $0.key < $1.key }) {
                    try replace.execute(arguments: [id, patches.height, patches.width, patches.dimension, VectorCoding.float16Blob(patches.values)])
                }
                try db.execute(sql: "UPDATE categories SET patch_recipe = ?, reference_set_version = reference_set_version + 1 WHERE id = ?",
                               arguments: [recipe, category.id])
            }
        }
        logger.info("replaced patch features", metadata: ["store.category": "\(categoryName)", "store.patchRecipe": "\(recipe)",
                                                          "store.references": "\(features.count)"])
    }
}
