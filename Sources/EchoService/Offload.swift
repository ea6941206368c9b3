import Dispatch
import EchoConcurrency
import Foundation

/// Runs blocking work (decoding, embedding, SQLite, FAISS) on a dispatch queue so the
/// server's concurrency threads stay free for I/O, and answers 503 when it takes longer
/// than `limit`. Work that times out still finishes in the background (a write that
/// commits stays committed; the client is told to check before retrying).
enum Offload {
    static let queue = DispatchQueue(label: "echo.service.work", attributes: .concurrent)
    /// Deadlines fire on their own serial queue: a serial queue gets a thread even when
    /// every worker is busy, so a timeout is answered while the work still runs — which is
    /// when it matters. (On the work queue, a deadline waited for a free worker, and on a
    /// loaded 2-core machine the work finished first.)
    static let deadlines = DispatchQueue(label: "echo.service.deadlines")

    static func run<T: Sendable>(timeout limit: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            queue.async { once.resume(with: Result { try work() }) }
            deadlines.asyncAfter(deadline: .now() + limit.seconds) {
                once.resume(with: .failure(ServiceError(.serviceUnavailable, "timeout",
                    "the request took longer than \(limit); the work may still complete (check before retrying a write), or raise --request-timeout")))
            }
        }
    }
}

extension Offload {
    /// Runs async work (which offloads its own blocking parts, see `EchoApp`) and answers
    /// 503 when it takes longer than `limit`; the work is cancelled then.
    static func run<T: Sendable>(timeout limit: Duration, async work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ServiceError(.serviceUnavailable, "timeout",
                    "the request took longer than \(limit); the work may still complete (check before retrying a write), or raise --request-timeout")
            }
            return value
        }
    }
}

/// Resumes a continuation at most once.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation = Protected<CheckedContinuation<T, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<T, any Error>) { self.continuation.withLock { $0 = continuation } }

    func resume(with result: Result<T, any Error>) {
        let pending = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        pending?.resume(with: result)
    }
}
