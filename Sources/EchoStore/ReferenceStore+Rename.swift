
extension ReferenceStore {
    /// Gives a category a new name. Everything of it goes along (references, vectors,
    /// thresholds, memory bank, runs, audit exclusions, its knowledge): they hang on the
    /// category's id, and its knowledge entries are renamed in the same transaction. The
    /// way to bring a category made before `CategoryName`'s rule into line.
    /// - Throws: `.unknownCategory` for `old`; `.invalidCategoryName` when `new` breaks the
    ///   rule; `.invalidArgument` when a category or knowledge called `new` exists already;
    ///   `.readOnly`; `.database`.
    public func renameCategory(_ old: String, to new: String) throws(StoreError) {
        try requireWritable()
        let category = try category(named: old)
        try CategoryName.validate(new)
        guard old != new else { return }
        try backend.renameCategory(id: category.id, from: old, to: new)
        forgetSearchCategory(old)
        logger.info("renamed category", metadata: ["store.category": "\(old)", "store.new_name": "\(new)"])
    }
}
