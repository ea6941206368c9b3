import EchoFeatures

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
            try backend.replacePatchFeatures(features, categoryID: category.id, categoryName: category.name, recipe: recipe)
        }
        logger.info("replaced patch features", metadata: ["store.category": "\(categoryName)", "store.patchRecipe": "\(recipe)",
                                                          "store.references": "\(features.count)"])
    }
}
