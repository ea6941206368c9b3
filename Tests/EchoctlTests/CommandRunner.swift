@_exported import EchoTestSupport
import Foundation

/// Runs the built `echoctl` binary and captures what it prints.
struct CommandRunner {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var binary: String? { builtExecutable("echoctl") }

    /// The test-only store writer (holds the writer lock, commits one vector at a time).
    static var testWriter: String? { builtExecutable("echo-test-writer") }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        guard let binary else { throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "echoctl is not built"]) }
        return try runTool(binary, arguments, environment: environment)
    }

    /// Runs any program (sqlite3, a helper) and captures what it prints.
    static func runTool(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension CommandRunner {
    /// `run` on a thread of its own, so an async test (serving the fake MLLM in-process)
    /// never blocks a concurrency thread while the child runs.
    static func runDetached(_ arguments: [String], environment: [String: String] = [:]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run(arguments, environment: environment) })
            }
        }
    }
}

enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static func fixture(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

