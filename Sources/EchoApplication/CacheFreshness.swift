import Dispatch
import EchoConcurrency
import EchoStore
import EchoStorePostgres
import Foundation
import Logging
import Synchronization

/// Keeps a long-running node's loaded indexes warm: on PostgreSQL, other nodes' commits
/// arrive as notifications (`PostgresChangeFeed`) and are replayed at once; a poll every
/// `poll` is the backstop for a lost notification (and, on SQLite, for another process's
/// writes); after each (re)connect the loaded indexes are reconciled with the database
/// (an index ahead of it, after a failover, is rebuilt). Correctness never depends on it:
/// a query checks the head itself.
public final class CacheFreshness: Sendable {
    private let store: ReferenceStore
    private let logger: Logger
    private let poll: Duration
    private let queue = DispatchQueue(label: "echo.cache-freshness")
    private let feed: PostgresChangeFeed?
    /// The poll (dispatch sources are thread-safe; made once, resumed by `start`).
    private nonisolated(unsafe) let timer: any DispatchSourceTimer
    private let started = Atomic<Bool>(false)
    /// Notifications handled and catch-ups done, for tests and benchmarks.
    private let counters = Counters()

    final class Counters: Sendable {
        private let values = Protected((notifications: 0, caughtUp: 0, reconciled: 0))
        func withLock<T>(_ body: (inout (notifications: Int, caughtUp: Int, reconciled: Int)) -> T) -> T { values.withLock { body(&$0) } }
    }

    /// - Parameters:
    ///   - notifications: listen for other nodes' commits (PostgreSQL only); off leaves the poll.
    public init(store: ReferenceStore, poll: Duration = .seconds(5), notifications: Bool = true,
                feedSettings: PostgresChangeFeed.Settings = PostgresChangeFeed.Settings(), logger: Logger) {
        self.store = store
        self.logger = logger
        self.poll = poll
        let queue = self.queue
        let counters = self.counters
        timer = DispatchSource.makeTimerSource(queue: queue)
        if notifications, let backend = store.backend as? PostgresBackend {
            feed = PostgresChangeFeed(backend: backend, settings: feedSettings, logger: logger, onChange: { category, head in
                queue.async {
                    counters.withLock { $0.notifications += 1 }
                    if let caught = try? store.refreshLoadedIndexes(categoryID: category, knownHead: head), !caught.isEmpty {
                        counters.withLock { $0.caughtUp += 1 }
                    }
                }
            }, onConnect: {
                queue.async {
                    do {
                        let rebuilt = try store.reconcileLoadedIndexes()
                        counters.withLock { $0.reconciled += 1 }
                        if !rebuilt.isEmpty { logger.notice("rebuilt indexes after a reconnect", metadata: ["store.categories": "\(rebuilt)"]) }
                    } catch {
                        logger.warning("could not reconcile the indexes after a reconnect; the poll will try again", metadata: ["error": "\(error)"])
                    }
                }
            })
        } else {
            feed = nil
        }
    }

    /// Starts the feed and the poll.
    public func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        feed?.start()
        let source = timer
        let interval = DispatchTimeInterval.milliseconds(Int(poll.components.seconds * 1000 + poll.components.attoseconds / 1_000_000_000_000_000))
        source.schedule(deadline: .now() + interval, repeating: interval)
        let store = self.store, logger = self.logger, counters = self.counters
        source.setEventHandler {
            do {
                if try !store.refreshLoadedIndexes().isEmpty { counters.withLock { $0.caughtUp += 1 } }
            } catch {
                logger.debug("the poll could not refresh the indexes", metadata: ["error": "\(error)"])
            }
        }
        source.resume()
    }

    /// Stops the feed and the poll.
    public func stop() {
        // A dispatch source must not be released suspended: resume one never started.
        if !started.exchange(true, ordering: .relaxed) { timer.resume() }
        timer.cancel()
        feed?.stop()
    }

    deinit { stop() }

    /// Whether notifications are being received now (false on SQLite).
    public var isListening: Bool { feed?.isConnected ?? false }

    /// Notifications handled, catch-ups done (by notification or poll), reconciliations.
    public var activity: (notifications: Int, caughtUp: Int, reconciled: Int) { counters.withLock { $0 } }
}
