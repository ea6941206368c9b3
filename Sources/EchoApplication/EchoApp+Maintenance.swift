import EchoStore

extension EchoApp {
    /// Checks SQLite's integrity and that every index agrees with the metadata.
    /// - Throws: `store_failed` when the check itself cannot run (problems found are in
    ///   the report, not thrown).
    public func verify() throws(EchoError) -> VerificationReport {
        try classified { try store.verify() }
    }

    /// Rebuilds a category's FAISS index (or every category's) from SQLite.
    /// - Returns: the vectors indexed, per category, in order.
    /// - Throws: `unknown_category`; `read_only`, `store_busy`, `store_failed`.
    public func rebuildIndexes(category: String?) throws(EchoError) -> [(category: String, vectors: Int)] {
        try classified {
            let names = try category.map { [$0] } ?? store.categories().map(\.name)
            return try names.map { (category: $0, vectors: try store.rebuildIndex(category: $0)) }
        }
    }
}
