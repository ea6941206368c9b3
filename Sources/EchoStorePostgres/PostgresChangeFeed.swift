import Dispatch
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The change notifications of other nodes, on a connection of its own: `LISTEN
/// echo_changes` (every write notifies "categoryID:head" at commit), a keep-alive
/// statement that notices a dead connection, and reconnection with a pause between tries.
/// Notifications are hints (a node that misses one still answers correctly: queries check
/// the head); after every (re)connect the owner reconciles, since notifications sent while
/// it was away are lost.
public final class PostgresChangeFeed: Sendable {
    /// How often the connection is checked, and how long to wait before reconnecting.
    public struct Settings: Sendable {
        public var keepAlive: Duration = .seconds(5)
        public var retry: Duration = .seconds(1)
        public init() {}
    }

    private let backend: PostgresBackend
    private let settings: Settings
    private let logger: Logger
    private let onChange: @Sendable (_ categoryID: Int64, _ head: Int64) -> Void
    private let onConnect: @Sendable () -> Void
    private let stopped = Atomic<Bool>(false)
    private let connectedFlag = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - onChange: called (on the connection's event loop: return quickly) for each
    ///     notification.
    ///   - onConnect: called after each successful (re)connect, before notifications are
    ///     awaited again: reconcile there.
    public init(backend: PostgresBackend, settings: Settings = Settings(), logger: Logger,
                onChange: @escaping @Sendable (_ categoryID: Int64, _ head: Int64) -> Void, onConnect: @escaping @Sendable () -> Void) {
        self.backend = backend
        self.settings = settings
        self.logger = logger
        self.onChange = onChange
        self.onConnect = onConnect
    }

    /// Whether the feed's connection is up now.
    public var isConnected: Bool { connectedFlag.load(ordering: .relaxed) }

    /// Starts listening on a thread of its own.
    public func start() {
        Thread.detachNewThread { [self] in
            run()
            finished.signal()
        }
    }

    /// Stops listening and waits (briefly) for the thread to end.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
        _ = finished.wait(timeout: .now() + 5)
    }

    private func run() {
        var outage = false
        while !stopped.load(ordering: .relaxed) {
            var session: Session?
            var listener: PostgresListenContext?
            do {
                let opened = try backend.pool.dedicatedSession()
                session = opened
                let onChange = self.onChange
                listener = opened.connection.addListener(channel: PostgresBackend.changeChannel) { _, notification in
                    let parts = notification.payload.split(separator: ":")
                    if parts.count == 2, let category = Int64(parts[0]), let head = Int64(parts[1]) { onChange(category, head) }
                }
                try opened.query("LISTEN echo_changes")
                connectedFlag.store(true, ordering: .relaxed)
                if outage { logger.notice("change notifications are back", metadata: ["store.location": "\(backend.location)"]) }
                outage = false
                onConnect()
                while !stopped.load(ordering: .relaxed) {
                    _ = wake.wait(timeout: .now() + settings.keepAlive.dispatchInterval)
                    if stopped.load(ordering: .relaxed) { break }
                    try opened.query("SELECT 1")
                }
            } catch {
                connectedFlag.store(false, ordering: .relaxed)
                if !outage {
                    logger.warning("change notifications lost; reconnecting (queries still check the head themselves)",
                                   metadata: ["store.location": "\(backend.location)", "error": "\(error)"])
                }
                outage = true
            }
            listener?.stop()
            if let session { ConnectionPool.close(session.connection) }
            connectedFlag.store(false, ordering: .relaxed)
            if !stopped.load(ordering: .relaxed) { _ = wake.wait(timeout: .now() + settings.retry.dispatchInterval) }
        }
    }
}
