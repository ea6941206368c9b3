#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Publishes a fully written temporary file under its final name so that a crash at
/// any instant leaves either the old file or the new one, never a torn mix:
/// fsync the file, rename it over the target, fsync the directory.
package enum DurableRename {
    /// Makes `temporaryPath` durable and renames it to `finalPath` (same directory).
    /// Throws `IndexError.io` naming the step and the system's reason.
    package static func publish(_ temporaryPath: String, as finalPath: String) throws(IndexError) {
        try fsyncPath(temporaryPath, flags: O_RDONLY)
        guard rename(temporaryPath, finalPath) == 0 else {
            throw IndexError(.io, "could not rename \(temporaryPath) to \(finalPath): \(lastSystemError())")
        }
        try fsyncPath(directory(of: finalPath), flags: O_RDONLY | O_DIRECTORY)
    }

    private static func fsyncPath(_ path: String, flags: Int32) throws(IndexError) {
        let descriptor = open(path, flags)
        guard descriptor >= 0 else {
            throw IndexError(.io, "could not open \(path) to flush it: \(lastSystemError())")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            if errno == ENOSPC || errno == EDQUOT { throw IndexFileWriter.failure(errno, "flush", path, target: path) }
            throw IndexError(.io, "could not flush \(path) to disk: \(lastSystemError())")
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    static func lastSystemError() -> String {
        String(cString: strerror(errno))
    }
}
