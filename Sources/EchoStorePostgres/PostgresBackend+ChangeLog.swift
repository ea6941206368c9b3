import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    public func head(ofCategory categoryID: Int64) throws(StoreError) -> Int64 {
        try statement("reading the change log") { session in
            try session.column(Int64.self, "SELECT log_head FROM categories WHERE id = \(categoryID)").first ?? 0
        }
    }

    public func changes(ofCategory categoryID: Int64, after: Int64) throws(StoreError) -> ChangeSet {
        try read("reading the change log") { session in
            let head = try session.column(Int64.self, "SELECT log_head FROM categories WHERE id = \(categoryID)").first ?? 0
            let added = try session.query("""
                SELECT r.id, v.vector, v.checksum FROM reference_images r JOIN reference_vectors v ON v.reference_id = r.id
                WHERE r.category_id = \(categoryID) AND r.added_pos > \(after) AND r.deleted_pos IS NULL ORDER BY r.added_pos, r.id
                """).map { row in
                let (id, vector, checksum) = try row.decode((Int64, Data, Data?).self)
                return (id: id, vector: try Self.checkedVector(id: id, vector, checksum))
            }
            let removed = try session.column(Int64.self, """
                SELECT id FROM reference_images WHERE category_id = \(categoryID) AND deleted_pos > \(after) ORDER BY id
                """)
            return ChangeSet(added: added, removed: removed, head: max(head, after))
        }
    }

    public func liveVectors(ofCategory categoryID: Int64) throws(StoreError) -> (vectors: [(id: Int64, vector: [Float])], head: Int64) {
        try read("reading vectors") { session in
            let head = try session.column(Int64.self, "SELECT log_head FROM categories WHERE id = \(categoryID)").first ?? 0
            let rows = try session.query("""
                SELECT r.id, v.vector, v.checksum FROM reference_images r JOIN reference_vectors v ON v.reference_id = r.id
                WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL ORDER BY r.id
                """).map { row in
                let (id, vector, checksum) = try row.decode((Int64, Data, Data?).self)
                return (id: id, vector: try Self.checkedVector(id: id, vector, checksum))
            }
            return (rows, head)
        }
    }
}
