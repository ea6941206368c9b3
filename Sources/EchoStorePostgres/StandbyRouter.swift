import Dispatch
import EchoConcurrency
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A log sequence number ("16/B374D848"), comparable.
struct LSN: Comparable, Sendable {
    let value: UInt64

    init(_ value: UInt64) { self.value = value }

    /// Parses PostgreSQL's text form; nil for anything else.
    init?(text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16), high <= UInt64(UInt32.max), low <= UInt64(UInt32.max) else { return nil }
        value = high << 32 | low
    }

    static func < (a: LSN, b: LSN) -> Bool { a.value < b.value }
}

/// Decides whether a read may go to the hot standby (`--store-read`): only while the
/// standby has replayed this process's last write (read-your-writes) and everything the
/// primary had written `staleness` ago (a bound on other nodes' writes). A monitor samples
/// the primary's WAL position and the standby's replay position every `sampleInterval`;
/// a standby that cannot be reached, or falls behind, is not used until it catches up.
final class StandbyRouter: Sendable {
    let pool: ConnectionPool
    let staleness: Duration
    let sampleInterval: Duration
    private let primary: ConnectionPool
    private let logger: Logger
    private struct State {
        /// (uptime ns, primary WAL position) samples, oldest first, covering `staleness`.
        var primarySamples: [(at: UInt64, lsn: LSN)] = []
        var replayed: LSN?
        var lastWrite = LSN(0)
        var standbyReads = 0
        var primaryReads = 0
    }
    private let state = Protected(State())
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    init(standby: ConnectionPool, primary: ConnectionPool, staleness: Duration, sampleInterval: Duration = .milliseconds(100), logger: Logger) {
        pool = standby
        self.primary = primary
        self.staleness = staleness
        self.sampleInterval = sampleInterval
        self.logger = logger
        Thread.detachNewThread { [self] in monitor() }
    }

    deinit {
        stopped.store(true, ordering: .relaxed)
        wake.signal()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        wake.signal()
    }

    /// Records the WAL position a write of this process reached (read after its commit).
    func wrote(upTo lsn: LSN) {
        state.withLock { if lsn > $0.lastWrite { $0.lastWrite = lsn } }
    }

    /// Whether a read may go to the standby now; counts the choice.
    func useStandby() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let bound = UInt64(staleness.dispatchNanoseconds)
        return state.withLock { state in
            // The primary's position as of `staleness` ago (the newest sample at least that old).
            let required = state.primarySamples.last(where: { now >= $0.at && now - $0.at >= bound })?.lsn
            let usable = state.replayed.map { replayed in replayed >= state.lastWrite && required.map { replayed >= $0 } == true } ?? false
            if usable { state.standbyReads += 1 } else { state.primaryReads += 1 }
            return usable
        }
    }

    /// A standby read failed at the connection: stop using it until the monitor sees it again.
    func standbyFailed() {
        state.withLock { $0.replayed = nil }
    }

    /// Reads served by the standby and by the primary so far.
    var counts: (standby: Int, primary: Int) { state.withLock { ($0.standbyReads, $0.primaryReads) } }

    private func monitor() {
        var reported = false
        while !stopped.load(ordering: .relaxed) {
            let at = DispatchTime.now().uptimeNanoseconds
            let primaryLSN = try? primary.withConnection { session in
                try session.column(String.self, "SELECT pg_current_wal_lsn()::text").first.flatMap(LSN.init(text:))
            }
            let replayed = try? pool.withConnection { session in
                try session.column(String?.self, "SELECT pg_last_wal_replay_lsn()::text").first?.flatMap(LSN.init(text:))
            }
            let bound = UInt64(staleness.dispatchNanoseconds)
            state.withLock { state in
                if let primaryLSN {
                    state.primarySamples.append((at, primaryLSN))
                    // Keep the newest sample older than the bound, and everything after it.
                    while state.primarySamples.count > 1, at - state.primarySamples[1].at >= bound { state.primarySamples.removeFirst() }
                }
                state.replayed = replayed ?? nil
            }
            if (replayed ?? nil) == nil, !reported {
                logger.warning("the read standby is unreachable or not replaying; reads go to the primary")
                reported = true
            } else if (replayed ?? nil) != nil {
                reported = false
            }
            _ = wake.wait(timeout: .now() + sampleInterval.dispatchInterval)
        }
    }
}
