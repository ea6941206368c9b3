import Foundation

/// The path of an executable this package builds (`echoctl`, `echo-test-writer`), found
/// beside the test bundle or in `.build/debug`; nil when it is not built.
public func builtExecutable(_ name: String, filePath: String = #filePath) -> String? {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/\(name)").standardized.path,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}
