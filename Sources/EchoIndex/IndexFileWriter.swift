#if canImport(Glibc)
import Glibc
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Glibc.write(descriptor, bytes, count) }
#elseif canImport(Darwin)
import Darwin
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Darwin.write(descriptor, bytes, count) }
#endif

/// Writes an index file's bytes and its checksum trailer with the system's own calls, so
/// that a full disk is told apart from other failures (FAISS's file writer only says
/// "write failed").
enum IndexFileWriter {
    /// Writes `body` and its trailer to the new file `temporary` (which must not exist).
    /// - Parameter target: the file being saved, named in messages.
    /// - Throws: `.noSpace` for ENOSPC or EDQUOT, `.io` otherwise, with the system's reason.
    static func write(_ body: UnsafeRawBufferPointer, to temporary: String, for target: String) throws(IndexError) {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(errno, "create", temporary, target: target) }
        defer { close(descriptor) }
        try writeAll(descriptor, body, temporary, target: target)
        let trailer = IndexFileTrailer.trailer(for: body)
        let failed = trailer.withUnsafeBytes { bytes -> IndexError? in
            do throws(IndexError) { try writeAll(descriptor, bytes, temporary, target: target); return nil } catch { return error }
        }
        if let failed { throw failed }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, _ path: String, target: String) throws(IndexError) {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, min(bytes.count - offset, 1 << 24))
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(errno, "write", path, target: target)
            }
            offset += written
        }
    }

    /// The error for a failed system call: a full disk named as such.
    static func failure(_ code: Int32, _ step: String, _ path: String, target: String) -> IndexError {
        let reason = String(cString: strerror(code))
        if code == ENOSPC || code == EDQUOT {
            return IndexError(.noSpace, "no space left on the disk holding \(DurableRename.directory(of: target)) to save the index \(target) (\(reason)); the previous index file is unchanged; free space there")
        }
        return IndexError(.io, "could not \(step) \(path) while saving the index \(target): \(reason)")
    }
}
