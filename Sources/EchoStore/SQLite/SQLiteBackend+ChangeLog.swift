import Foundation
import GRDB

extension SQLiteBackend {
    /// The store-wide sequence: one writer process, so sequence order is commit order.
    public func head(ofCategory categoryID: Int64) throws(StoreError) -> Int64 {
        try read { db in try Self.head(db) }
    }

    public func changes(ofCategory categoryID: Int64, after: Int64) throws(StoreError) -> ChangeSet {
        try read { db in
            let now = try Self.head(db)
            let added = try Row.fetchAll(db, sql: """
                SELECT r.id, v.vector, v.checksum FROM reference_images r JOIN reference_vectors v ON v.reference_id = r.id
                WHERE r.category_id = ? AND r.seq > ? AND r.deleted_seq IS NULL ORDER BY r.seq
                """, arguments: [categoryID, after]).map { (id: $0[0] as Int64, vector: try Self.checkedVector($0)) }
            let removed = try Int64.fetchAll(db, sql: "SELECT id FROM reference_images WHERE category_id = ? AND deleted_seq > ? ORDER BY id",
                                             arguments: [categoryID, after])
            return ChangeSet(added: added, removed: removed, head: max(now, after))
        }
    }

    public func liveVectors(ofCategory categoryID: Int64) throws(StoreError) -> (vectors: [(id: Int64, vector: [Float])], head: Int64) {
        try read { db in
            let now = try Self.head(db)
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, v.vector, v.checksum FROM reference_images r JOIN reference_vectors v ON v.reference_id = r.id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL ORDER BY r.id
                """, arguments: [categoryID]).map { (id: $0[0] as Int64, vector: try Self.checkedVector($0)) }
            return (rows, now)
        }
    }

    public func liveReferences(ids: [Int64], filter: [String: String], ofCategory categoryID: Int64,
                               ifHeadAtMost known: Int64) throws(StoreError) -> [ReferenceRecord]? {
        let cache = metadataCache
        return try read { db -> [ReferenceRecord]? in
            guard try Self.head(db) <= known else { return nil }
            return try Self.fetchLive(db, ids: ids, filter: filter, cache: cache)
        }
    }

    static func head(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM store_sequence") ?? 0
    }
}
