import EchoIndex
import Foundation

extension ReferenceStore {
    /// Adds references to a category in one transaction. References whose file hash is
    /// already a live reference of the category are reported as duplicates, not added.
    /// - Returns: one outcome per reference, in order.
    /// - Throws: `.incompatible` for a vector or patch grid of the wrong size;
    ///   `.invalidMetadata` for metadata `MetadataRule` refuses; `.unknownCategory`;
    ///   `.readOnly`; `.database` (nothing is committed); `.index`.
    public func add(_ references: [NewReference], to categoryName: String) throws(StoreError) -> [AddOutcome] {
        try requireWritable()
        let category = try category(named: categoryName)
        for reference in references {
            try MetadataRule.validate(reference.metadata)
            guard reference.vector.count == category.embedder.globalDimension else {
                throw StoreError(.incompatible, "\(reference.sourcePath): a \(reference.vector.count)-d vector for category \"\(categoryName)\", whose vectors are \(category.embedder.globalDimension)-d")
            }
            if let patches = reference.patches, patches.dimension != category.embedder.patchDimension {
                throw StoreError(.incompatible, "\(reference.sourcePath): \(patches.dimension)-d patch features for category \"\(categoryName)\", which uses \(category.embedder.patchDimension)-d")
            }
        }
        return try writeLock.locked { () throws(StoreError) -> [AddOutcome] in
            let index = try loadedIndex(for: category)
            let batch = try backend.addReferences(references, to: category, createdAt: Self.timestamp())
            if !batch.added.isEmpty {
                if index.sequence >= batch.advance.before {
                    try applyToIndex(index, category: category) { () throws(IndexError) in
                        try index.apply(adding: batch.added.flatMap(\.vector), ids: batch.added.map(\.id),
                                        dimension: category.embedder.globalDimension, upTo: batch.head)
                    }
                } else {
                    // Another writer committed in between: replay the log, which has both.
                    try IndexLoader(store: self, category: category).replay(into: index)
                }
            }
            try saveIfWorthwhile(index)
            return batch.outcomes
        }
    }

    /// Deletes references (a tombstone in the backend, then removal from the index). From the
    /// moment the delete commits, no query returns them.
    /// - Returns: the deleted references.
    /// - Throws: `.invalidArgument` naming ids that are not live references (nothing is
    ///   deleted then); `.readOnly`; `.database`.
    @discardableResult
    public func remove(ids: [Int64]) throws(StoreError) -> [ReferenceRecord] {
        try requireWritable()
        let unique = Array(Set(ids)).sorted()
        let records = try references(ids: unique)
        let missing = Set(unique).subtracting(records.map(\.id))
        guard missing.isEmpty else {
            throw StoreError(.invalidArgument, "no live reference with id \(missing.sorted().map(String.init).joined(separator: ", ")); nothing was removed")
        }
        let byCategory = Dictionary(grouping: records, by: \.category)
        try writeLock.locked { () throws(StoreError) in
            let heads = try backend.removeReferences(ids: unique)
            for (name, group) in byCategory {
                let category = try category(named: name)
                let index = try loadedIndex(for: category)
                if let advance = heads[name], index.sequence >= advance.before {
                    try applyToIndex(index, category: category) { () throws(IndexError) in
                        try index.apply(removing: group.map(\.id), upTo: advance.after)
                    }
                } else {
                    try IndexLoader(store: self, category: category).replay(into: index)
                }
                try saveIfWorthwhile(index)
            }
        }
        return records
    }

    /// Applies a committed change to an index; when the index cannot take it (an
    /// untrained IVF, removal from HNSW) the index is rebuilt from SQLite instead.
    private func applyToIndex(_ index: CategoryIndex, category: Category, _ change: () throws(IndexError) -> Void) throws(StoreError) {
        do {
            try change()
        } catch where error.code == .notTrained || error.code == .unsupported {
            let rebuilt = try IndexLoader(store: self, category: category).rebuild()
            index.replace(with: rebuilt.index, sequence: rebuilt.sequence)
        } catch {
            // The change is committed in SQLite; drop the cache so the next use rebuilds it.
            forgetIndex(of: category.id)
            throw StoreError(.index, "the change is saved, but updating the index of \"\(category.name)\" failed (it will be rebuilt): \(error.message)")
        }
    }

    /// Saves an index mid-run once the unsaved changes reach half its size (at least
    /// 8,192): a long ingest then writes the file a logarithmic number of times (at most
    /// about three times its final size in all), and a crash costs at most that many rows
    /// replayed from SQLite. `saveIndexes()` at the end of a run saves the rest.
    private func saveIfWorthwhile(_ index: CategoryIndex) throws(StoreError) {
        let pending = index.pendingChanges
        guard index.needsSave, pending >= max(8192, index.index.count / 2) else { return }
        do {
            try index.save(in: indexDirectory, logger: logger)
        } catch {
            logger.warning("could not save an index (it will be replayed from SQLite)", metadata: ["store.error": "\(error)"])
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
