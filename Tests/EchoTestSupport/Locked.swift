import EchoConcurrency

/// A value shared by the threads of a test.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Protected<Value>
    public init(_ value: Value) { mutex = Protected(value) }
    public var value: Value { mutex.withLock { $0 } }
    public func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}
