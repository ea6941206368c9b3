import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    /// Golden images' bytes live in the database (`image_blobs`), so every node can show them.
    public var keepsImageBytes: Bool { true }

    public func imageBytes(sha256: String) throws(StoreError) -> [UInt8]? {
        let stored = try statement("reading an image") { session in
            try session.column(Data.self, "SELECT bytes FROM image_blobs WHERE sha256 = \(sha256)").first
        }
        guard let stored else { return nil }
        // The bytes are stored under their SHA-256, so the key is their checksum.
        guard ImageDigest.hex(stored) == sha256 else {
            throw ContentChecksum.damaged("the stored copy of image \(sha256)", repair: ContentChecksum.imageRepair)
        }
        return [UInt8](stored)
    }

    /// Stores an image's bytes under their SHA-256 unless they are there already (written
    /// once, never changed; concurrent writers of the same bytes wait for each other on
    /// the primary key and the second writes nothing), or replaces a stored copy that no
    /// longer hashes to its key (damage) with these bytes.
    static func storeImage(_ session: Session, sha256: String, bytes: [UInt8], at time: String) throws {
        try session.query("""
            INSERT INTO image_blobs (sha256, bytes, byte_count, stored_at)
            VALUES (\(sha256), \(Data(bytes)), \(Int32(bytes.count)), \(time))
            ON CONFLICT (sha256) DO UPDATE SET bytes = excluded.bytes, byte_count = excluded.byte_count
            WHERE encode(sha256(image_blobs.bytes), 'hex') <> image_blobs.sha256
            """)
    }
}
