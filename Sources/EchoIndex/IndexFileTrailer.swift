import Crypto
import Foundation

/// The trailer Echo appends to every index file it writes: an 8-byte marker and the
/// SHA-256 of the FAISS bytes before it. FAISS's reader trusts its input (a hostile
/// header can make it read out of bounds), so a file is handed to it only when its
/// trailer checks out; anything else is rebuilt from the store's source of truth.
enum IndexFileTrailer {
    static let marker: [UInt8] = Array("EchoSHA2".utf8)
    static let size = marker.count + SHA256.byteCount

    /// Appends the trailer to the file at `path` (FAISS has just written it).
    /// - Throws: `.io` when the file cannot be read back or extended.
    static func append(to path: String) throws(IndexError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IndexError(.io, "could not read back the index just written to \(path)")
        }
        let trailer = marker + Array(SHA256.hash(data: data))
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(trailer))
        } catch {
            throw IndexError(.io, "could not finish the index file \(path): \(error.localizedDescription)")
        }
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
