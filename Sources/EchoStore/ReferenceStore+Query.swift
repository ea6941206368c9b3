import EchoFeatures
import EchoIndex
import Foundation
import GRDB

extension ReferenceStore {
    /// The `k` live references of `categoryName` nearest to `vector`, most similar first.
    /// This is the in-process API the other experts use.
    /// - Parameters:
    ///   - vector: a global embedding from the category's embedder.
    ///   - filter: metadata that every match must have (exact string equality per key).
    /// - Throws: `.invalidArgument` for k ≤ 0; `.invalidMetadata` for a filter key `MetadataRule` refuses; `.incompatible` for a
    ///   vector of the wrong length or from another embedder; `.unknownCategory`.
    public func nearest(to vector: [Float], in categoryName: String, k: Int, embedder: EmbedderIdentity? = nil,
                        filter: [String: String] = [:]) throws(StoreError) -> [ReferenceMatch] {
        guard k > 0 else { throw StoreError(.invalidArgument, "k must be at least 1, got \(k)") }
        try MetadataRule.validateKeys(filter.keys)
        let category = try searchCategory(named: categoryName)
        if let embedder {
            do {
                try category.embedder.requireCompatible(with: embedder, context: "category \"\(categoryName)\"")
            } catch {
                throw StoreError(.incompatible, error.message)
            }
        }
        guard vector.count == category.embedder.globalDimension else {
            throw StoreError(.incompatible, "a \(vector.count)-d query for category \"\(categoryName)\", whose vectors are \(category.embedder.globalDimension)-d (\(category.embedder.id))")
        }
        let index = try loadedIndex(for: category)
        while true {
            // One read transaction: check the index is current, search, and keep only rows
            // live in this snapshot (a delete commits before the index hears of it).
            let matches = try read { db -> [ReferenceMatch]? in
                let now = try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM store_sequence")) ?? 0
                guard now <= index.sequence else { return nil }
                return try search(index.index, for: vector, k: k, filter: filter, categoryName: categoryName, db: db)
            }
            if let matches { return matches }
            // Another process (or a failed update) committed changes: catch up, then search.
            _ = try currentIndex(for: category)
        }
    }

    /// Searches `index` for `k` live matches, widening the search while filtered or
    /// deleted rows leave fewer than `k`.
    private func search(_ index: VectorIndex, for vector: [Float], k: Int, filter: [String: String], categoryName: String,
                        db: Database) throws -> [ReferenceMatch] {
        let stored = index.count
        guard stored > 0 else { return [] }
        var candidates = min(stored, filter.isEmpty ? k : k * 4)
        while true {
            let results: SearchResults
            do {
                results = try index.search(vector, k: candidates)
            } catch {
                throw StoreError(.index, "searching category \"\(categoryName)\": \(error.message)")
            }
            let neighbours = results.neighbours(ofQuery: 0)
            let records = try fetchReferences(db, ids: neighbours.map(\.id), filter: filter)
            let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
            let matches = neighbours.compactMap { n in byID[n.id].map { ReferenceMatch(reference: $0, similarity: n.score) } }
            if matches.count >= k || candidates >= stored {
                return Array(matches.prefix(k))
            }
            candidates = min(stored, candidates * 4)
        }
    }

    /// The live references with these ids (in id order), optionally only those whose
    /// metadata matches `filter`.
    public func references(ids: [Int64], filter: [String: String] = [:]) throws(StoreError) -> [ReferenceRecord] {
        try read { db in try fetchReferences(db, ids: ids, filter: filter) }
    }

    private func fetchReferences(_ db: Database, ids: [Int64], filter: [String: String]) throws -> [ReferenceRecord] {
        guard !ids.isEmpty else { return [] }
        var sql = """
            SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
            WHERE r.deleted_seq IS NULL AND r.id IN (\(ids.map { _ in "?" }.joined(separator: ",")))
            """
        var arguments = StatementArguments(ids)
        for (key, value) in filter.sorted(by: { $0.key < $1.key }) {
            sql += " AND json_extract(r.metadata, ?) = ?"
            arguments += [Self.jsonPath(key), value]
        }
        sql += " ORDER BY r.id"
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(record)
    }

    /// The live references of a category in id order, `limit` from `offset`.
    public func list(category categoryName: String, limit: Int = 1000, offset: Int = 0) throws(StoreError) -> [ReferenceRecord] {
        let category = try category(named: categoryName)
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL ORDER BY r.id LIMIT ? OFFSET ?
                """, arguments: [category.id, limit, offset]).map(record)
        }
    }

    /// The stored patch features of a reference, or nil if none were stored.
    public func patchFeatures(of id: Int64) throws(StoreError) -> PatchFeatures? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM reference_patches WHERE reference_id = ?", arguments: [id]) }
        guard let row else { return nil }
        do {
            return try PatchFeatures(height: row["height"], width: row["width"], dimension: row["dimension"],
                                     values: VectorCoding.float16Values(row["features"]))
        } catch {
            throw StoreError(.database, "reference \(id) has damaged patch features: \(error.message)")
        }
    }

    /// The stored global vector of a reference.
    public func vector(of id: Int64) throws(StoreError) -> [Float]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT vector FROM reference_vectors WHERE reference_id = ?", arguments: [id]).map(VectorCoding.float32Values)
        }
    }

    /// The category's index, first brought up to date with changes another process (or
    /// a failed update) committed since it was loaded.
    func currentIndex(for category: Category) throws(StoreError) -> CategoryIndex {
        let index = try loadedIndex(for: category)
        let now = try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM store_sequence") ?? 0 }
        if now > index.sequence {
            try writeLock.locked { () throws(StoreError) in
                try IndexLoader(store: self, category: category).replay(into: index)
            }
        }
        return index
    }

    func record(_ row: Row) -> ReferenceRecord {
        Self.record(row, metadata: metadataCache.decode(row["metadata"]))
    }

    static func record(_ row: Row) -> ReferenceRecord {
        record(row, metadata: MetadataCache.parse(row["metadata"]))
    }

    static func record(_ row: Row, metadata: [String: String]) -> ReferenceRecord {
        return ReferenceRecord(id: row["id"], category: row["category_name"], sha256: row["sha256"], sourcePath: row["source_path"],
                               width: row["width"], height: row["height"], metadata: metadata, createdAt: row["created_at"])
    }

    static func jsonPath(_ key: String) -> String { "$.\"\(key)\"" }
}

extension ReferenceStore {
    /// The live reference of `categoryName` whose file hash is `sha256`, if any.
    public func liveReference(withSHA256 sha256: String, in categoryName: String) throws(StoreError) -> ReferenceRecord? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT r.*, c.name AS category_name FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE c.name = ? AND r.sha256 = ? AND r.deleted_seq IS NULL
                """, arguments: [categoryName, sha256]).map(record)
        }
    }
}

/// Parsed metadata by its JSON text: golden samples of one run share their metadata, so
/// most rows hit the cache instead of the JSON parser.
final class MetadataCache: @unchecked Sendable {
    private let lock = NSLock()
    private var parsed: [String: [String: String]] = [:]

    func decode(_ text: String) -> [String: String] {
        if let hit = lock.withLock({ parsed[text] }) { return hit }
        let metadata = Self.parse(text)
        lock.withLock {
            if parsed.count >= 4096 { parsed.removeAll(keepingCapacity: true) }
            parsed[text] = metadata
        }
        return metadata
    }

    static func parse(_ text: String) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? String }
    }
}
