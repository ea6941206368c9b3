import Crypto
import Foundation

/// The trailer Echo appends to every index file it writes: an 8-byte marker and the
/// SHA-256 of the FAISS bytes before it. FAISS's reader trusts its input (a hostile
/// header can make it read out of bounds), so a file is handed to it only when its
/// trailer checks out; anything else is rebuilt from the store's source of truth.
package enum IndexFileTrailer {
    static let marker: [UInt8] = Array("EchoSHA2".utf8)
    static let size = marker.count + SHA256.byteCount

    /// `body` with its trailer appended: the bytes `write(to:)` leaves in a file.
    package static func sealed(_ body: [UInt8]) -> [UInt8] {
        body + body.withUnsafeBytes { trailer(for: $0) }
    }

    /// The trailer of `body`: the marker and the SHA-256 of the bytes.
    static func trailer(for body: UnsafeRawBufferPointer) -> [UInt8] {
        marker + Array(SHA256.hash(data: body))
    }

    /// The length of the FAISS bytes in `bytes` when its trailer is there and right.
    /// - Throws: `.corrupt` otherwise, saying what was wrong.
    static func verified(_ bytes: [UInt8], path: String) throws(IndexError) -> Int {
        guard bytes.count > size, Array(bytes[(bytes.count - size)..<(bytes.count - SHA256.byteCount)]) == marker else {
            throw IndexError(.corrupt, "the index file \(path) has no checksum trailer (damaged, or written by another version of Echo); it was not read")
        }
        let body = bytes.count - size
        guard Array(SHA256.hash(data: bytes[..<body])) == Array(bytes[(bytes.count - SHA256.byteCount)...]) else {
            throw IndexError(.corrupt, "the index file \(path) does not match its checksum (damaged or edited); it was not read")
        }
        return body
    }
}
