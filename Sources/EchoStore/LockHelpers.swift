import Synchronization

extension Mutex where Value == Void {
    /// Runs `body` holding the lock (a lock that guards a sequence of work rather than a
    /// value), preserving `body`'s typed error.
    func locked<T: Sendable, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try withLock { (_: inout Void) throws(E) -> T in try body() }
    }
}
