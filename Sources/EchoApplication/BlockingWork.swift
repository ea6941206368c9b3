import Dispatch

/// Runs blocking work (decoding, embedding, SQLite, FAISS) of an async use case on a
/// dispatch queue, so the concurrency threads of its caller stay free for I/O.
enum BlockingWork {
    static let queue = DispatchQueue(label: "echo.application.blocking", attributes: .concurrent)

    /// `body`'s value, computed on the blocking queue; its error is classified.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(EchoError) -> T {
        let result: Result<T, EchoError> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(EchoError(classifying: error)))
                }
            }
        }
        return try result.get()
    }
}
