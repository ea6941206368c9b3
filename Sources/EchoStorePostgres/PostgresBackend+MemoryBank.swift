import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    public func saveMemoryBank(_ bank: MemoryBank, categoryID: Int64) throws(StoreError) {
        let vectors = VectorCoding.float16Blob(bank.vectors)
        let origins = VectorCoding.int64Blob(bank.origins)
        try write("saving a memory bank") { session in
            try session.query("""
                INSERT INTO memory_banks (category_id, reference_set_version, ratio, source_patches, dimension, vectors, origins, built_at, checksum)
                VALUES (\(categoryID), \(bank.referenceSetVersion), \(bank.ratio), \(Int32(bank.sourcePatches)), \(Int32(bank.dimension)),
                        \(vectors), \(origins), \(bank.builtAt), \(ContentChecksum.of(vectors, origins)))
                ON CONFLICT (category_id) DO UPDATE SET reference_set_version = excluded.reference_set_version, ratio = excluded.ratio,
                    source_patches = excluded.source_patches, dimension = excluded.dimension, vectors = excluded.vectors,
                    origins = excluded.origins, built_at = excluded.built_at, checksum = excluded.checksum
                WHERE memory_banks.reference_set_version <= excluded.reference_set_version
                """)
            if let newer = try session.column(Int64.self, """
                SELECT reference_set_version FROM memory_banks WHERE category_id = \(categoryID) AND reference_set_version > \(bank.referenceSetVersion)
                """).first {
                throw StoreError.newerResult("memory bank", of: bank.category, stored: newer, attempted: bank.referenceSetVersion)
            }
        }
    }

    public func memoryBank(categoryID: Int64, categoryName: String) throws(StoreError) -> MemoryBank? {
        let row = try statement("reading a memory bank") { session in
            try session.query("""
                SELECT reference_set_version, ratio, source_patches, dimension, vectors, origins, built_at, checksum FROM memory_banks
                WHERE category_id = \(categoryID)
                """).first.map { try $0.decode((Int64, Double, Int32, Int32, Data, Data, String, Data?).self) }
        }
        guard let (version, ratio, sourcePatches, dimension32, vectorBytes, originBytes, builtAt, checksum) = row else { return nil }
        guard ContentChecksum.matches(checksum, vectorBytes, originBytes) else {
            throw ContentChecksum.damaged("the memory bank of \"\(categoryName)\"", repair: ContentChecksum.memoryBankRepair(category: categoryName))
        }
        let vectors = VectorCoding.float16Values(vectorBytes)
        let origins = VectorCoding.int64Values(originBytes)
        let dimension = Int(dimension32)
        guard dimension > 0, vectors.count == origins.count * dimension else {
            throw StoreError(.database, "the memory bank of \"\(categoryName)\" is damaged (\(vectors.count) values, \(origins.count) rows of \(dimension)); rebuild it with `echoctl calibrate -c \(categoryName) --coreset RATIO`")
        }
        return MemoryBank(category: categoryName, referenceSetVersion: version, ratio: ratio, sourcePatches: Int(sourcePatches),
                          dimension: dimension, vectors: vectors, origins: origins, builtAt: builtAt)
    }

    public func removeMemoryBank(categoryID: Int64) throws(StoreError) -> Bool {
        try write("removing a memory bank") { session in
            !(try session.query("DELETE FROM memory_banks WHERE category_id = \(categoryID) RETURNING category_id")).isEmpty
        }
    }

    public func memoryBankStamp(categoryID: Int64) throws(StoreError) -> MemoryBankStamp? {
        try statement("reading a memory bank") { session in
            try session.query("""
                SELECT reference_set_version, length(origins) / 8, built_at FROM memory_banks WHERE category_id = \(categoryID)
                """).first.map { row in
                let (version, rows, builtAt) = try row.decode((Int64, Int32, String).self)
                return MemoryBankStamp(referenceSetVersion: version, rows: Int(rows), builtAt: builtAt)
            }
        }
    }
}
