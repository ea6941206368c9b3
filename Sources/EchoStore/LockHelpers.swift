import Foundation

extension NSLock {
    /// Runs `body` holding the lock, preserving `body`'s typed error.
    func locked<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
