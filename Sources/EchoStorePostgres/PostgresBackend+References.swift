import EchoFeatures
import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    static let recordColumns = "r.id, c.name, r.sha256, r.source_path, r.width, r.height, r.metadata::text, r.created_at"

    static func record(_ row: PostgresRow, offset: Int = 0) throws -> ReferenceRecord {
        let cells = row.makeRandomAccess()
        let metadataText = try cells[offset + 6].decode(String.self)
        let metadata = (try? JSONDecoder().decode([String: String].self, from: Data(metadataText.utf8))) ?? [:]
        return ReferenceRecord(id: try cells[offset].decode(Int64.self), category: try cells[offset + 1].decode(String.self),
                               sha256: try cells[offset + 2].decode(String.self), sourcePath: try cells[offset + 3].decode(String.self),
                               width: Int(try cells[offset + 4].decode(Int32.self)), height: Int(try cells[offset + 5].decode(Int32.self)),
                               metadata: metadata, createdAt: try cells[offset + 7].decode(String.self))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public func addReferences(_ references: [NewReference], to category: EchoStore.Category, createdAt: String) throws(StoreError) -> AddedReferences {
        try write("adding references") { session in
            var added: [(id: Int64, vector: [Float])] = []
            var outcomes: [AddOutcome] = []
            for reference in references {
                let metadata = try Self.json(reference.metadata)
                var outcome: AddOutcome?
                // The partial unique index makes concurrent adds of the same bytes (from any
                // node) wait for each other: one inserts, the others see it and report it.
                for _ in 0..<3 where outcome == nil {
                    let inserted = try session.column(Int64.self, """
                        INSERT INTO reference_images (category_id, sha256, source_path, width, height, metadata, created_at)
                        VALUES (\(category.id), \(reference.sha256), \(reference.sourcePath), \(Int32(reference.width)), \(Int32(reference.height)),
                                \(metadata)::jsonb, \(createdAt))
                        ON CONFLICT (category_id, sha256) WHERE deleted_pos IS NULL DO NOTHING
                        RETURNING id
                        """)
                    if let id = inserted.first {
                        if let bytes = reference.imageBytes {
                            try Self.storeImage(session, sha256: reference.sha256, bytes: bytes, at: createdAt)
                        }
                        let vector = VectorCoding.float32Blob(reference.vector)
                        try session.query("""
                            INSERT INTO reference_vectors (reference_id, vector, checksum) VALUES (\(id), \(vector), \(ContentChecksum.of(vector)))
                            """)
                        if let patches = reference.patches {
                            let features = VectorCoding.float16Blob(patches.values)
                            try session.query("""
                                INSERT INTO reference_patches (reference_id, height, width, dimension, features, checksum)
                                VALUES (\(id), \(Int32(patches.height)), \(Int32(patches.width)), \(Int32(patches.dimension)), \(features),
                                        \(ContentChecksum.of(features)))
                                """)
                        }
                        added.append((id, reference.vector))
                        outcome = .added(id: id)
                    } else if let existing = try session.column(Int64.self, """
                        SELECT id FROM reference_images WHERE category_id = \(category.id) AND sha256 = \(reference.sha256) AND deleted_pos IS NULL
                        """).first {
                        outcome = .duplicate(existingID: existing)
                    }
                }
                guard let outcome else {
                    throw SQLFailure(kind: .server, sqlState: "40001", message: "a concurrent add and delete of the same image")
                }
                outcomes.append(outcome)
            }
            var head: Int64 = 1
            if !added.isEmpty {
                beforeHeadAdvance.withLock { $0 }?()
                head = try Self.advanceHead(session, categoryID: category.id)
                try session.query("UPDATE reference_images SET added_pos = \(head) WHERE id = ANY(\(added.map(\.id)))")
            }
            return AddedReferences(outcomes: outcomes, added: added, advance: LogAdvance(before: head - 1, after: head))
        }
    }

    /// Takes the category's next log position: the last statements of a write transaction,
    /// under the category row's lock (held to commit), so positions follow commit order.
    /// Also bumps the reference-set version and notifies listening nodes at commit.
    static func advanceHead(_ session: Session, categoryID: Int64) throws -> Int64 {
        guard let head = try session.column(Int64.self, """
            UPDATE categories SET log_head = log_head + 1, reference_set_version = reference_set_version + 1
            WHERE id = \(categoryID) RETURNING log_head
            """).first else {
            throw StoreError(.unknownCategory, "the category was removed while it was being changed")
        }
        try session.query("SELECT pg_notify(\(PostgresBackend.changeChannel), \("\(categoryID):\(head)"))")
        return head
    }

    public func removeReferences(ids: [Int64]) throws(StoreError) -> [String: LogAdvance] {
        let unique = Array(Set(ids)).sorted()
        return try write("removing references") { session in
            let rows = try session.query("""
                SELECT r.id, r.category_id, c.name FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.id = ANY(\(unique)) AND r.deleted_pos IS NULL ORDER BY r.id FOR UPDATE OF r
                """).map { try $0.decode((Int64, Int64, String).self) }
            let missing = Set(unique).subtracting(rows.map(\.0))
            guard missing.isEmpty else {
                throw StoreError(.invalidArgument, "no live reference with id \(missing.sorted().map(String.init).joined(separator: ", ")); nothing was removed")
            }
            var heads: [String: LogAdvance] = [:]
            let byCategory = Dictionary(grouping: rows, by: \.1)
            for categoryID in byCategory.keys.sorted() {
                let group = byCategory[categoryID]!
                let head = try Self.advanceHead(session, categoryID: categoryID)
                try session.query("UPDATE reference_images SET deleted_pos = \(head) WHERE id = ANY(\(group.map(\.0)))")
                heads[group[0].2] = LogAdvance(before: head - 1, after: head)
            }
            return heads
        }
    }

    public func liveReferences(ids: [Int64], filter: [String: String]) throws(StoreError) -> [ReferenceRecord] {
        guard !ids.isEmpty else { return [] }
        let filterJSON = try json(filter)
        return try statement("reading references") { session in
            try session.query("""
                SELECT \(unescaped: Self.recordColumns) FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.id = ANY(\(ids)) AND r.deleted_pos IS NULL AND r.metadata @> \(filterJSON)::jsonb ORDER BY r.id
                """).map { try Self.record($0) }
        }
    }

    public func liveReferences(ids: [Int64], filter: [String: String], ofCategory categoryID: Int64,
                               ifHeadAtMost known: Int64) throws(StoreError) -> [ReferenceRecord]? {
        let filterJSON = try json(filter)
        return try statement("reading references") { session -> [ReferenceRecord]? in
            // One statement, one snapshot: the head and the live rows agree.
            let rows = try session.query("""
                WITH h AS (SELECT log_head FROM categories WHERE id = \(categoryID))
                SELECT h.log_head, \(unescaped: Self.recordColumns) FROM h
                LEFT JOIN (reference_images r JOIN categories c ON c.id = r.category_id)
                  ON r.id = ANY(\(ids)) AND r.deleted_pos IS NULL AND r.metadata @> \(filterJSON)::jsonb
                ORDER BY r.id
                """)
            guard let first = rows.first else { return [] }
            guard try first.makeRandomAccess()[0].decode(Int64.self) <= known else { return nil }
            return try rows.compactMap { row in
                try row.makeRandomAccess()[1].decode(Int64?.self) == nil ? nil : Self.record(row, offset: 1)
            }
        }
    }

    public func listReferences(categoryID: Int64, limit: Int, offset: Int) throws(StoreError) -> [ReferenceRecord] {
        try statement("listing references") { session in
            try session.query("""
                SELECT \(unescaped: Self.recordColumns) FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL ORDER BY r.id LIMIT \(Int64(limit)) OFFSET \(Int64(offset))
                """).map { try Self.record($0) }
        }
    }

    public func liveReference(sha256: String, categoryName: String) throws(StoreError) -> ReferenceRecord? {
        try statement("reading a reference") { session in
            try session.query("""
                SELECT \(unescaped: Self.recordColumns) FROM reference_images r JOIN categories c ON c.id = r.category_id
                WHERE c.name = \(categoryName) AND r.sha256 = \(sha256) AND r.deleted_pos IS NULL
                """).first.map { try Self.record($0) }
        }
    }

    public func liveIDs(categoryID: Int64) throws(StoreError) -> [Int64] {
        try statement("listing reference ids") { session in
            try session.column(Int64.self, "SELECT id FROM reference_images WHERE category_id = \(categoryID) AND deleted_pos IS NULL ORDER BY id")
        }
    }

    public func vector(of id: Int64) throws(StoreError) -> [Float]? {
        try statement("reading a vector") { session in
            try session.query("SELECT vector, checksum FROM reference_vectors WHERE reference_id = \(id)").first.map { row in
                let (vector, checksum) = try row.decode((Data, Data?).self)
                return try Self.checkedVector(id: id, vector, checksum)
            }
        }
    }

    /// A reference's stored vector, checked against its checksum.
    static func checkedVector(id: Int64, _ bytes: Data, _ checksum: Data?) throws(StoreError) -> [Float] {
        guard ContentChecksum.matches(checksum, bytes) else {
            throw ContentChecksum.damaged("the vector of reference \(id)", repair: ContentChecksum.vectorRepair(id))
        }
        return VectorCoding.float32Values(bytes)
    }

    /// A reference's stored patch features, checked against their checksum (the category is
    /// looked up for the message only when they do not match).
    static func checkedPatchValues(_ session: Session, id: Int64, _ bytes: Data, _ checksum: Data?) throws(StoreError) -> [Float] {
        guard ContentChecksum.matches(checksum, bytes) else {
            let category = try? session.column(String.self, """
                SELECT c.name FROM reference_images r JOIN categories c ON c.id = r.category_id WHERE r.id = \(id)
                """).first
            throw ContentChecksum.damaged("the patch features of reference \(id)", plural: true, repair: ContentChecksum.patchRepair(category: category))
        }
        return VectorCoding.float16Values(bytes)
    }

    public func patchFeatures(of id: Int64) throws(StoreError) -> PatchFeatures? {
        let row = try statement("reading patch features") { session -> (Int32, Int32, Int32, [Float])? in
            guard let (height, width, dimension, features, checksum) = try session.query("""
                SELECT height, width, dimension, features, checksum FROM reference_patches WHERE reference_id = \(id)
                """).first.map({ try $0.decode((Int32, Int32, Int32, Data, Data?).self) }) else { return nil }
            return (height, width, dimension, try Self.checkedPatchValues(session, id: id, features, checksum))
        }
        guard let (height, width, dimension, values) = row else { return nil }
        do {
            return try PatchFeatures(height: Int(height), width: Int(width), dimension: Int(dimension), values: values)
        } catch {
            throw StoreError(.database, "reference \(id) has damaged patch features: \(error.message)")
        }
    }

    public func allPatchFeatures(categoryID: Int64) throws(StoreError) -> [(id: Int64, values: [Float])] {
        try statement("reading patch features") { session in
            try session.query("""
                SELECT r.id, p.features, p.checksum FROM reference_images r JOIN reference_patches p ON p.reference_id = r.id
                WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL ORDER BY r.id
                """).map { row in
                let (id, features, checksum) = try row.decode((Int64, Data, Data?).self)
                return (id: id, values: try Self.checkedPatchValues(session, id: id, features, checksum))
            }
        }
    }

    public func replacePatchFeatures(_ features: [Int64: PatchFeatures], categoryID: Int64, categoryName: String, recipe: String) throws(StoreError) {
        try write("replacing patch features") { session in
            // Lock the category row first: a concurrent add waits, so "exactly the live set" holds at commit.
            try session.query("SELECT id FROM categories WHERE id = \(categoryID) FOR UPDATE")
            let live = try session.column(Int64.self, "SELECT id FROM reference_images WHERE category_id = \(categoryID) AND deleted_pos IS NULL")
            guard Set(live) == Set(features.keys) else {
                throw StoreError(.invalidArgument, "new patch features cover \(features.count) references, but \"\(categoryName)\" has \(live.count) live ones; nothing was changed")
            }
            for (id, patches) in features.sorted(by: { $0.key < $1.key }) {
                let blob = VectorCoding.float16Blob(patches.values)
                try session.query("""
                    INSERT INTO reference_patches (reference_id, height, width, dimension, features, checksum)
                    VALUES (\(id), \(Int32(patches.height)), \(Int32(patches.width)), \(Int32(patches.dimension)), \(blob), \(ContentChecksum.of(blob)))
                    ON CONFLICT (reference_id) DO UPDATE SET height = excluded.height, width = excluded.width,
                        dimension = excluded.dimension, features = excluded.features, checksum = excluded.checksum
                    """)
            }
            try session.query("UPDATE categories SET patch_recipe = \(recipe), reference_set_version = reference_set_version + 1 WHERE id = \(categoryID)")
        }
    }

    public func referenceCounts(categoryID: Int64, vectorDimension: Int) throws(StoreError) -> ReferenceCounts {
        try statement("counting references") { session in
            let row = try session.query("""
                SELECT
                  (SELECT count(*) FROM reference_images WHERE category_id = \(categoryID) AND deleted_pos IS NULL),
                  (SELECT count(*) FROM reference_images WHERE category_id = \(categoryID) AND deleted_pos IS NOT NULL),
                  (SELECT count(*) FROM reference_patches p JOIN reference_images r ON r.id = p.reference_id
                    WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL),
                  (SELECT count(*) FROM reference_images r LEFT JOIN reference_vectors v ON v.reference_id = r.id
                    WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL
                      AND (v.vector IS NULL OR length(v.vector) != \(Int64(vectorDimension * 4))))
                """).first!
            let (live, deleted, patches, bad) = try row.decode((Int64, Int64, Int64, Int64).self)
            return ReferenceCounts(live: Int(live), deleted: Int(deleted), withPatches: Int(patches), badVectors: Int(bad))
        }
    }
}
