import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    /// Golden images' bytes live in the database (`image_blobs`), so every node can show them.
    public var keepsImageBytes: Bool { true }

    public func imageBytes(sha256: String) throws(StoreError) -> [UInt8]? {
        try statement("reading an image") { session in
            try session.column(Data.self, "SELECT bytes FROM image_blobs WHERE sha256 = \(sha256)").first.map { [UInt8]($0) }
        }
    }

    /// Stores an image's bytes under their SHA-256 unless they are there already (written
    /// once, never changed; concurrent writers of the same bytes wait for each other on
    /// the primary key and the second writes nothing).
    static func storeImage(_ session: Session, sha256: String, bytes: [UInt8], at time: String) throws {
        try session.query("""
            INSERT INTO image_blobs (sha256, bytes, byte_count, stored_at)
            VALUES (\(sha256), \(Data(bytes)), \(Int32(bytes.count)), \(time))
            ON CONFLICT (sha256) DO NOTHING
            """)
    }
}
