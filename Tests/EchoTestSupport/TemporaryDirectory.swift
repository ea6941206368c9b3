import Foundation

/// A fresh directory under the system's temporary directory, removed when released.
/// Tests write only here.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "echo-test") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }
}
