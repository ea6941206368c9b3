import Dispatch
import EchoConcurrency
import Testing

@Suite("Protected: a value guarded by a POSIX mutex")
struct ProtectedTests {
    private struct Refused: Error, Equatable { let at: Int }

    @Test("threads that update the value at once lose no update")
    func concurrentUpdatesAreExclusive() {
        let counts = Protected<[Int: Int]>([:])
        let threads = 8
        let rounds = 20_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for round in 0..<rounds {
                // A read-modify-write of a dictionary: torn without the lock.
                counts.withLock { $0[round % 16, default: 0] += 1 }
            }
        }
        let totals = counts.withLock { $0 }
        #expect(totals.values.reduce(0, +) == threads * rounds)
        #expect(totals.count == 16)
        #expect(Set(totals.values) == [threads * rounds / 16])
    }

    @Test("a typed error thrown inside the lock reaches the caller unchanged, and the lock is free again")
    func errorReleasesTheLock() {
        let value = Protected(41)
        #expect(throws: Refused(at: 41)) {
            try value.withLock { (value: inout Int) throws(Refused) in
                value += 1
                throw Refused(at: value - 1)
            }
        }
        // The change made before the throw stays, and a second caller is not blocked.
        let seen = DispatchQueue.global().sync { value.withLock { $0 } }
        #expect(seen == 42)
    }

    @Test("a lock without a value runs work one caller at a time and returns its result")
    func voidLockSerialisesWork() {
        let lock = Protected<Void>()
        let inside = Protected(0)
        let maximum = Protected(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<500 {
                let result = lock.locked { () -> Int in
                    let now = inside.withLock { $0 += 1; return $0 }
                    maximum.withLock { $0 = max($0, now) }
                    inside.withLock { $0 -= 1 }
                    return now
                }
                #expect(result == 1)
            }
        }
        #expect(maximum.withLock { $0 } == 1)
    }
}
