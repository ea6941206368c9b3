import Dispatch

/// Runs `body` for indexes `0..<count` on up to `concurrency` threads and returns the
/// results in index order. Worker `w` takes indexes w, w + concurrency, ... so no
/// coordination is needed; each result slot is written by exactly one worker.
public func parallelMap<T: Sendable>(count: Int, concurrency: Int, _ body: @Sendable (Int) -> T) -> [T] {
    guard count > 0 else { return [] }
    let workers = max(1, min(concurrency, count))
    var results = [T?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { slots in
        nonisolated(unsafe) let slots = slots
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: count, by: workers) {
                slots[index] = body(index)
            }
        }
    }
    return results.map { $0! }
}
