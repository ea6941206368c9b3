import Crypto
import Foundation

/// The identity of an image file in the store: the SHA-256 of its bytes, as lower-case hex
/// (what references, `image_blobs` and queued jobs are keyed by).
public enum ImageDigest {
    /// The lower-case hex SHA-256 of `bytes`.
    public static func hex(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
