import GRDB

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
        if (try? self.category(named: new)) != nil {
            throw StoreError(.invalidArgument, "a category \"\(new)\" exists already; choose another name or remove its references first")
        }
        try write { db in
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM knowledge_entries WHERE category = ?", arguments: [new]) ?? 0 > 0 {
                throw StoreError(.invalidArgument, "knowledge for \"\(new)\" exists already (`echoctl knowledge show \(new)`); choose another name")
            }
            try db.execute(sql: "UPDATE categories SET name = ? WHERE id = ?", arguments: [new, category.id])
            try db.execute(sql: "UPDATE knowledge_entries SET category = ? WHERE category = ?", arguments: [new, old])
        }
        logger.info("renamed category", metadata: ["store.category": "\(old)", "store.new_name": "\(new)"])
    }
}
