import ArgumentParser
import EchoApplication
import EchoImaging
import EchoIndex
import Foundation
import Logging

/// Options every working command shares: threads, the pixel limit, logging.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Worker threads (default: every core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Most pixels an image may have; larger ones are refused before decoding (the service's limit too).")
    var maxPixels: Int = ImageDecoder.defaultMaxPixels

    @Flag(name: .shortAndLong, help: "Log progress details to standard error.")
    var verbose = false

    func validate() throws {
        guard threads > 0 else { throw ValidationError("--threads must be at least 1") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be at least 1") }
    }

    /// The limits of the use cases: the pixel limit from the flag, k as the service; list pages unbounded
    /// (a local command may list a whole store; the service bounds its pages).
    var limits: InputLimits {
        var limits = InputLimits()
        limits.maxPixels = maxPixels
        limits.maxPage = Int.max
        return limits
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
