#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value that threads share, guarded by a POSIX mutex.
///
/// Echo's locks are POSIX mutexes rather than the standard library's `Mutex` so that the
/// ThreadSanitizer run (`make test-tsan`) sees every hand-over: on Linux a contended
/// `Synchronization.Mutex` is taken and released inside the uninstrumented
/// `libswiftSynchronization.so`, and TSan then reports races between accesses that are both
/// inside `withLock` (reproduced with two threads and a counter that ends exact). TSan
/// intercepts `pthread_mutex_lock`/`unlock` wherever they are called from.
///
/// The mutex is the one C resource of this object: created in `init`, destroyed in `deinit`.
/// Not recursive: calling `withLock` again from inside `body` deadlocks.
public final class Protected<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Guards `value`. Traps only if the system cannot create a mutex (out of resources at
    /// start-up), which no caller could recover from.
    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock and returns what it returns; the lock
    /// is released when `body` returns or throws, and `body`'s error is rethrown unchanged.
    public func withLock<Result, Failure: Error>(
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

extension Protected: @unchecked Sendable where Value: Sendable {}

extension Protected where Value == Void {
    /// Creates a lock that guards a sequence of work rather than a value.
    public convenience init() { self.init(()) }

    /// Runs `body` holding the lock, preserving `body`'s typed error. It takes the mutex
    /// without an `inout` access to the (empty) value: ThreadSanitizer reported the access of
    /// that zero-sized value as a race under `make test-tsan`, although there are no bytes.
    public func locked<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
