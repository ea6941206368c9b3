import ArgumentParser

/// A failure to report as one clear line on standard error with exit code 1
/// (`echoctl: <message>`), rather than a Swift error dump.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
