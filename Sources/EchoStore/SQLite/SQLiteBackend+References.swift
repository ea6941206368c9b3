import EchoFeatures
import Foundation
import GRDB

extension SQLiteBackend {
    public func addReferences(_ references: [NewReference], to category: Category, createdAt: String) throws(StoreError) -> AddedReferences {
        try write { db -> AddedReferences in
            var added: [(id: Int64, vector: [Float])] = []
            var outcomes: [AddOutcome] = []
            let encoder = JSONEncoder.sorted
            let findLive = try db.cachedStatement(sql: "SELECT id FROM reference_images WHERE category_id = ? AND sha256 = ? AND deleted_seq IS NULL")
            let insertImage = try db.cachedStatement(sql: """
                INSERT INTO reference_images (category_id, sha256, source_path, width, height, metadata, created_at, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let insertVector = try db.cachedStatement(sql: "INSERT INTO reference_vectors (reference_id, vector, checksum) VALUES (?, ?, ?)")
            let insertPatches = try db.cachedStatement(sql: """
                INSERT INTO reference_patches (reference_id, height, width, dimension, features, checksum) VALUES (?, ?, ?, ?, ?, ?)
                """)
            // One block of sequence numbers for the batch (duplicates leave gaps, which is fine).
            var sequence = try Self.reserveSequences(db, count: references.count)
            let before = sequence
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
                                                    reference.height, metadata, createdAt, sequence])
                let id = db.lastInsertedRowID
                let vector = VectorCoding.float32Blob(reference.vector)
                try insertVector.execute(arguments: [id, vector, ContentChecksum.of(vector)])
                if let patches = reference.patches {
                    let features = VectorCoding.float16Blob(patches.values)
                    try insertPatches.execute(arguments: [id, patches.height, patches.width, patches.dimension,
                                                          features, ContentChecksum.of(features)])
                }
                added.append((id, reference.vector))
                outcomes.append(.added(id: id))
            }
            if !added.isEmpty {
                try db.execute(sql: "UPDATE categories SET reference_set_version = reference_set_version + 1 WHERE id = ?", arguments: [category.id])
            }
            // The whole reserved block is this transaction's: a cache may move to its end,
            // so the next batch's `before` is where this one left it (no needless replay).
            return AddedReferences(outcomes: outcomes, added: added,
                                   advance: LogAdvance(before: before, after: added.isEmpty ? before : before + Int64(references.count)))
        }
    }

    public func removeReferences(ids: [Int64]) throws(StoreError) -> [String: LogAdvance] {
        let unique = Array(Set(ids)).sorted()
        return try write { db -> [String: LogAdvance] in
            let records = try Self.fetchLive(db, ids: unique, filter: [:])
            let missing = Set(unique).subtracting(records.map(\.id))
            guard missing.isEmpty else {
                throw StoreError(.invalidArgument, "no live reference with id \(missing.sorted().map(String.init).joined(separator: ", ")); nothing was removed")
            }
            var lastSequence: Int64 = 0
            let before = try Self.head(db)
            for record in records {
                lastSequence = try Self.reserveSequences(db, count: 1) + 1
                try db.execute(sql: "UPDATE reference_images SET deleted_seq = ? WHERE id = ? AND deleted_seq IS NULL",
                               arguments: [lastSequence, record.id])
            }
            for name in Set(records.map(\.category)) {
                try db.execute(sql: "UPDATE categories SET reference_set_version = reference_set_version + 1 WHERE name = ?", arguments: [name])
            }
            let advance = LogAdvance(before: before, after: lastSequence)
            return Dictionary(uniqueKeysWithValues: Set(records.map(\.category)).map { ($0, advance) })
        }
    }

    public func liveReferences(ids: [Int64], filter: [String: String]) throws(StoreError) -> [ReferenceRecord] {
        try read { db in try Self.fetchLive(db, ids: ids, filter: filter, cache: metadataCache) }
    }

    public func listReferences(categoryID: Int64, limit: Int, offset: Int) throws(StoreError) -> [ReferenceRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL ORDER BY r.id LIMIT ? OFFSET ?
                """, arguments: [categoryID, limit, offset]).map { Self.record($0, cache: metadataCache) }
        }
    }

    public func liveReference(sha256: String, categoryName: String) throws(StoreError) -> ReferenceRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE c.name = ? AND r.sha256 = ? AND r.deleted_seq IS NULL
                """, arguments: [categoryName, sha256]).map { Self.record($0, cache: metadataCache) }
        }
    }

    public func liveIDs(categoryID: Int64) throws(StoreError) -> [Int64] {
        try read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM reference_images WHERE category_id = ? AND deleted_seq IS NULL ORDER BY id", arguments: [categoryID])
        }
    }

    public func vector(of id: Int64) throws(StoreError) -> [Float]? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT reference_id, vector, checksum FROM reference_vectors WHERE reference_id = ?", arguments: [id])
                .map(Self.checkedVector)
        }
    }

    /// A `reference_id, vector, checksum` row's vector, checked against its checksum.
    static func checkedVector(_ row: Row) throws(StoreError) -> [Float] {
        let id: Int64 = row[0]
        let bytes: Data = row[1]
        guard ContentChecksum.matches(row[2], bytes) else {
            throw ContentChecksum.damaged("the vector of reference \(id)", repair: ContentChecksum.vectorRepair(id))
        }
        return VectorCoding.float32Values(bytes)
    }

    /// A `reference_id, features, checksum` row's patch values, checked against its checksum
    /// (the category is looked up for the message only when they do not match).
    static func checkedPatchValues(_ db: Database, _ row: Row) throws(StoreError) -> [Float] {
        let id: Int64 = row["reference_id"]
        let bytes: Data = row["features"]
        guard ContentChecksum.matches(row["checksum"], bytes) else {
            let category = try? String.fetchOne(db, sql: """
                SELECT c.name FROM reference_images r JOIN categories c ON c.id = r.category_id WHERE r.id = ?
                """, arguments: [id])
            throw ContentChecksum.damaged("the patch features of reference \(id)", plural: true, repair: ContentChecksum.patchRepair(category: category))
        }
        return VectorCoding.float16Values(bytes)
    }

    public func patchFeatures(of id: Int64) throws(StoreError) -> PatchFeatures? {
        let read = try read { db -> (row: Row, values: [Float])? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM reference_patches WHERE reference_id = ?", arguments: [id]) else { return nil }
            return (row, try Self.checkedPatchValues(db, row))
        }
        guard let (row, values) = read else { return nil }
        do {
            return try PatchFeatures(height: row["height"], width: row["width"], dimension: row["dimension"], values: values)
        } catch {
            throw StoreError(.database, "reference \(id) has damaged patch features: \(error.message)")
        }
    }

    public func allPatchFeatures(categoryID: Int64) throws(StoreError) -> [(id: Int64, values: [Float])] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.reference_id, p.features, p.checksum FROM reference_images r JOIN reference_patches p ON p.reference_id = r.id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL ORDER BY r.id
                """, arguments: [categoryID]).map { (id: $0["reference_id"] as Int64, values: try Self.checkedPatchValues(db, $0)) }
        }
    }

    public func replacePatchFeatures(_ features: [Int64: PatchFeatures], categoryID: Int64, categoryName: String, recipe: String) throws(StoreError) {
        try write { db in
            let live = try Int64.fetchAll(db, sql: "SELECT id FROM reference_images WHERE category_id = ? AND deleted_seq IS NULL", arguments: [categoryID])
            guard Set(live) == Set(features.keys) else {
                throw StoreError(.invalidArgument, "new patch features cover \(features.count) references, but \"\(categoryName)\" has \(live.count) live ones; nothing was changed")
            }
            let replace = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO reference_patches (reference_id, height, width, dimension, features, checksum) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (id, patches) in features.sorted(by: { $0.key < $1.key }) {
                let blob = VectorCoding.float16Blob(patches.values)
                try replace.execute(arguments: [id, patches.height, patches.width, patches.dimension, blob, ContentChecksum.of(blob)])
            }
            try db.execute(sql: "UPDATE categories SET patch_recipe = ?, reference_set_version = reference_set_version + 1 WHERE id = ?",
                           arguments: [recipe, categoryID])
        }
    }

    public func referenceCounts(categoryID: Int64, vectorDimension: Int) throws(StoreError) -> ReferenceCounts {
        try read { db in
            let live = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reference_images WHERE category_id = ? AND deleted_seq IS NULL", arguments: [categoryID]) ?? 0
            let deleted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reference_images WHERE category_id = ? AND deleted_seq IS NOT NULL", arguments: [categoryID]) ?? 0
            let patches = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM reference_patches p JOIN reference_images r ON r.id = p.reference_id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL
                """, arguments: [categoryID]) ?? 0
            let bad = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM reference_images r LEFT JOIN reference_vectors v ON v.reference_id = r.id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL AND (v.vector IS NULL OR length(v.vector) != ?)
                """, arguments: [categoryID, vectorDimension * 4]) ?? 0
            return ReferenceCounts(live: live, deleted: deleted, withPatches: patches, badVectors: bad)
        }
    }

    // MARK: rows

    static func fetchLive(_ db: Database, ids: [Int64], filter: [String: String], cache: MetadataCache? = nil) throws -> [ReferenceRecord] {
        guard !ids.isEmpty else { return [] }
        var sql = """
            SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
            WHERE r.deleted_seq IS NULL AND r.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
            """
        var arguments = StatementArguments(ids)
        for (key, value) in filter.sorted(by: { $0.key < $1.key }) {
            sql += " AND json_extract(r.metadata, ?) = ?"
            arguments += [jsonPath(key), value]
        }
        sql += " ORDER BY r.id"
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { record($0, cache: cache) }
    }

    static func record(_ row: Row, cache: MetadataCache?) -> ReferenceRecord {
        let text: String = row["metadata"]
        let metadata = cache?.decode(text) ?? MetadataCache.parse(text)
        return ReferenceRecord(id: row["id"], category: row["category_name"], sha256: row["sha256"], sourcePath: row["source_path"],
                               width: row["width"], height: row["height"], metadata: metadata, createdAt: row["created_at"])
    }

    static func jsonPath(_ key: String) -> String { "$.\"\(key)\"" }

    /// Reserves `count` sequence numbers; returns the one before the first.
    static func reserveSequences(_ db: Database, count: Int) throws -> Int64 {
        try Int64.fetchOne(db, sql: "UPDATE store_sequence SET value = value + ? WHERE id = 1 RETURNING value - ?", arguments: [count, count])!
    }
}
