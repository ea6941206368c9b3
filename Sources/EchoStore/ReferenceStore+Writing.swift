import EchoIndex
import Foundation
import GRDB

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
            var added: [(id: Int64, vector: [Float])] = []
            var lastSequence: Int64 = 0
            let outcomes = try write { db -> [AddOutcome] in
                added = []
                var outcomes: [AddOutcome] = []
                let now = Self.timestamp()
                let encoder = JSONEncoder.sorted
                let findLive = try db.cachedStatement(sql: "SELECT id FROM reference_images WHERE category_id = ? AND sha256 = ? AND deleted_seq IS NULL")
                let insertImage = try db.cachedStatement(sql: """
                    INSERT INTO reference_images (category_id, sha256, source_path, width, height, metadata, created_at, seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertVector = try db.cachedStatement(sql: "INSERT INTO reference_vectors (reference_id, vector) VALUES (?, ?)")
                let insertPatches = try db.cachedStatement(sql: "INSERT INTO reference_patches (reference_id, height, width, dimension, features) VALUES (?, ?, ?, ?, ?)")
                // One block of sequence numbers for the batch (duplicates leave gaps, which is fine).
                var sequence = try Self.reserveSequences(db, count: references.count)
                var encodedMetadata: [[String: String]: String] = [:]
                for reference in references {
                    if let existing = try Int64.fetchOne(findLive, arguments: [category.id, reference.sha256]) {
                        outcomes.append(.duplicate(existingID: existing))
                        continue
                    }
                    sequence += 1
                    let metadata = try encodedMetadata[reference.metadata] ?? {
                        let text = String(decoding: try encoder.encode(reference.metadata), as: UTF8.self)
                        encodedMetadata[reference.metadata] = text
                        return text
                    }()
                    try insertImage.execute(arguments: [category.id, reference.sha256, reference.sourcePath, reference.width,
                                                        reference.height, metadata, now, sequence])
                    let id = db.lastInsertedRowID
                    try insertVector.execute(arguments: [id, VectorCoding.float32Blob(reference.vector)])
                    if let patches = reference.patches {
                        try insertPatches.execute(arguments: [id, patches.height, patches.width, patches.dimension,
                                                              VectorCoding.float16Blob(patches.values)])
                    }
                    added.append((id, reference.vector))
                    outcomes.append(.added(id: id))
                    lastSequence = sequence
                }
                if !added.isEmpty {
                    try db.execute(sql: "UPDATE categories SET reference_set_version = reference_set_version + 1 WHERE id = ?", arguments: [category.id])
                }
                return outcomes
            }
            if !added.isEmpty {
                try applyToIndex(index, category: category) { () throws(IndexError) in
                    try index.apply(adding: added.flatMap(\.vector), ids: added.map(\.id),
                                    dimension: category.embedder.globalDimension, upTo: lastSequence)
                }
            }
            try saveIfWorthwhile(index)
            return outcomes
        }
    }

    /// Deletes references (a tombstone in SQLite, then removal from the index). From the
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
            var lastSequence: Int64 = 0
            try write { db in
                for record in records {
                    lastSequence = try Self.nextSequence(db)
                    try db.execute(sql: "UPDATE reference_images SET deleted_seq = ? WHERE id = ? AND deleted_seq IS NULL",
                                   arguments: [lastSequence, record.id])
                }
                for name in byCategory.keys {
                    try db.execute(sql: "UPDATE categories SET reference_set_version = reference_set_version + 1 WHERE name = ?", arguments: [name])
                }
            }
            for (name, group) in byCategory {
                let category = try category(named: name)
                let index = try loadedIndex(for: category)
                try applyToIndex(index, category: category) { () throws(IndexError) in
                    try index.apply(removing: group.map(\.id), upTo: lastSequence)
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

    static func nextSequence(_ db: Database) throws -> Int64 {
        try reserveSequences(db, count: 1) + 1
    }

    /// Reserves `count` sequence numbers; returns the one before the first.
    static func reserveSequences(_ db: Database, count: Int) throws -> Int64 {
        try Int64.fetchOne(db, sql: "UPDATE store_sequence SET value = value + ? WHERE id = 1 RETURNING value - ?", arguments: [count, count])!
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
