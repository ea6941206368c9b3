import Foundation

/// A size-limited tmpfs of its own, mounted on a fresh temporary directory for a disk-full
/// test and unmounted and removed when released. Mounting needs root (CI runs as root);
/// `mount()` says whether a test may skip.
public final class SmallFilesystem: @unchecked Sendable {
    public let path: String

    /// Why a test could not mount: only a non-root user outside CI may skip for it.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
        /// Whether skipping is allowed here (not root, not CI).
        public let maySkip: Bool
    }

    /// Mounts a tmpfs of `megabytes` MiB.
    /// - Throws: `Unavailable` when `mount` fails (not root, or not permitted here).
    public init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("echo-smallfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let (status, output) = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", path])
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            let inCI = ProcessInfo.processInfo.environment["CI"] != nil
            throw Unavailable(description: "cannot mount a \(megabytes) MiB tmpfs (\(output.trimmingCharacters(in: .whitespacesAndNewlines)))",
                              maySkip: getuid() != 0 && !inCI)
        }
    }

    deinit {
        _ = Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The bytes still free on the filesystem.
    public var freeBytes: Int {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Fills all but `leaving` bytes with a file at `name`, returning its path (delete it to free the space).
    public func fill(leaving: Int, name: String = "filler") throws -> String {
        let filler = path + "/" + name
        let size = max(0, freeBytes - leaving)
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(repeating: 0xA5, count: 1 << 20)
        var written = 0
        while written < size {
            let piece = min(chunk.count, size - written)
            try handle.write(contentsOf: chunk.prefix(piece))
            written += piece
        }
        return filler
    }

    private static func run(_ executable: String, _ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
