import ArgumentParser
import EchoIndex
import Foundation
import Logging

/// Options every working command shares: threads and logging.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Worker threads (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .shortAndLong, help: "Log progress details to standard error.")
    var verbose = false

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be at least 1") }
    }

    /// Configures native threads and returns the logger commands pass to the libraries.
    func prepare(label: String) -> Logger {
        ComputeRuntime.configureThreads(threads)
        LoggingBootstrap.once(level: verbose ? .debug : .notice)
        return Logger(label: "echoctl.\(label)")
    }
}

/// The executable's one logging bootstrap (libraries never bootstrap; they take a Logger).
enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
