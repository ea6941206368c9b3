import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive, process-wide lock on a store (`flock` on `<store>/writer.lock`), so two
/// processes never write one store at once. The kernel releases it if the holder dies,
/// so a killed writer never leaves the store locked. Owned by this object; released in
/// its `deinit`.
final class WriterLock: @unchecked Sendable {
    private let descriptor: Int32

    /// Takes the lock, waiting up to `timeout` seconds.
    /// - Throws: `StoreError.busy` naming the holder's pid when the wait runs out;
    ///   `.io` when the lock file cannot be opened.
    init(path: String, timeout: TimeInterval) throws(StoreError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError(.io, "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
                close(fd)
                throw StoreError(.busy, "another process (pid \(holder.isEmpty ? "?" : holder)) is writing this store; "
                    + "wait for it to finish or pass a longer --wait")
            }
            usleep(50_000)
        }
        descriptor = fd
        let pid = "\(getpid())\n"
        ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
