import Foundation
import GRDB

extension SQLiteBackend {
    public func saveMemoryBank(_ bank: MemoryBank, categoryID: Int64) throws(StoreError) {
        let vectors = VectorCoding.float16Blob(bank.vectors)
        let origins = VectorCoding.int64Blob(bank.origins)
        try write { db in
            if let newer = try Int64.fetchOne(db, sql: "SELECT reference_set_version FROM memory_banks WHERE category_id = ? AND reference_set_version > ?",
                                              arguments: [categoryID, bank.referenceSetVersion]) {
                throw StoreError.newerResult("memory bank", of: bank.category, stored: newer, attempted: bank.referenceSetVersion)
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO memory_banks (category_id, reference_set_version, ratio, source_patches, dimension, vectors, origins, built_at,
                                                     checksum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [categoryID, bank.referenceSetVersion, bank.ratio, bank.sourcePatches, bank.dimension, vectors, origins, bank.builtAt,
                                 ContentChecksum.of(vectors, origins)])
        }
    }

    public func memoryBank(categoryID: Int64, categoryName: String) throws(StoreError) -> MemoryBank? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM memory_banks WHERE category_id = ?", arguments: [categoryID]) }
        guard let row else { return nil }
        let vectorBytes: Data = row["vectors"]
        let originBytes: Data = row["origins"]
        guard ContentChecksum.matches(row["checksum"], vectorBytes, originBytes) else {
            throw ContentChecksum.damaged("the memory bank of \"\(categoryName)\"", repair: ContentChecksum.memoryBankRepair(category: categoryName))
        }
        let vectors = VectorCoding.float16Values(vectorBytes)
        let origins = VectorCoding.int64Values(originBytes)
        let dimension: Int = row["dimension"]
        guard dimension > 0, vectors.count == origins.count * dimension else {
            throw StoreError(.database, "the memory bank of \"\(categoryName)\" is damaged (\(vectors.count) values, \(origins.count) rows of \(dimension)); rebuild it with `echoctl calibrate -c \(categoryName) --coreset RATIO`")
        }
        return MemoryBank(category: categoryName, referenceSetVersion: row["reference_set_version"], ratio: row["ratio"],
                          sourcePatches: row["source_patches"], dimension: dimension, vectors: vectors, origins: origins,
                          builtAt: row["built_at"])
    }

    public func removeMemoryBank(categoryID: Int64) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM memory_banks WHERE category_id = ?", arguments: [categoryID])
            return db.changesCount > 0
        }
    }

    public func memoryBankStamp(categoryID: Int64) throws(StoreError) -> MemoryBankStamp? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT reference_set_version, length(origins) / 8 AS rows, built_at FROM memory_banks WHERE category_id = ?",
                             arguments: [categoryID]).map {
                MemoryBankStamp(referenceSetVersion: $0["reference_set_version"], rows: $0["rows"], builtAt: $0["built_at"])
            }
        }
    }
}
