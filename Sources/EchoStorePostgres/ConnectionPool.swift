import Dispatch
import EchoConcurrency
import EchoStore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// How long the PostgreSQL backend waits before it calls the database unavailable.
public struct PostgresTimeouts: Sendable, Equatable {
    /// Opening a connection.
    public var connect: Duration
    /// One statement (a query that takes longer closes its connection).
    public var statement: Duration
    /// Waiting for a free connection when all are busy.
    public var acquire: Duration

    public init(connect: Duration = .seconds(3), statement: Duration = .seconds(30), acquire: Duration = .seconds(10)) {
        self.connect = connect
        self.statement = statement
        self.acquire = acquire
    }
}

/// Why a statement failed, as the backend needs to know it: whether to retry the
/// transaction, call the database unavailable, or report the server's error.
struct SQLFailure: Error, CustomStringConvertible {
    enum Kind { case server, connectionLost, timedOut, tls }
    let kind: Kind
    /// The SQLSTATE of a server error ("40001", "23505", ...).
    let sqlState: String?
    /// The server's message or the client's reason (never the SQL text).
    let message: String

    var isRetryableConflict: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// Server states that mean "this server cannot serve now" (shutting down, starting, no connection).
    var meansUnavailable: Bool {
        (kind != .server && kind != .tls) || sqlState.map { $0.hasPrefix("08") || $0 == "57P01" || $0 == "57P02" || $0 == "57P03" || $0 == "53300" } ?? false
    }
    var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    init(kind: Kind, sqlState: String? = nil, message: String) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
    }

    init(_ error: any Error) {
        if let psql = error as? PSQLError {
            if psql.code == .server {
                self.init(kind: .server, sqlState: psql.serverInfo?[.sqlState], message: psql.serverInfo?[.message] ?? "server error")
            } else if psql.code == .sslUnsupported {
                self.init(kind: .tls, message: "the server does not offer TLS, which the URL's sslmode requires (turn ssl on in PostgreSQL, or use sslmode=prefer)")
            } else if psql.code == .failedToAddSSLHandler || psql.underlying.map({ "\(type(of: $0))".contains("SSL") }) == true {
                self.init(kind: .tls, message: "the TLS handshake failed (\(psql.underlying.map { "\($0)" } ?? "\(psql.code)")): check sslmode and sslrootcert in the store URL")
            } else {
                self.init(kind: .connectionLost, message: "the connection failed (\(psql.code))")
            }
        } else {
            self.init(kind: .connectionLost, message: "the connection failed (\(type(of: error)))")
        }
    }
}

/// A small synchronous pool of PostgreSQL connections (postgres-nio's `PostgresConnection`
/// on an event-loop group of its own). The store's backend API is synchronous, like
/// SQLite and FAISS under it; `PostgresClient`'s pool runs on Swift's cooperative thread
/// pool, which callers blocked waiting for it would starve (two threads on two cores), so
/// this pool blocks only on NIO futures served by its own event loop.
final class ConnectionPool: Sendable {
    let location: PostgresLocation
    let timeouts: PostgresTimeouts
    let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let capacity: DispatchSemaphore
    private let idle = Protected<[PostgresConnection]>([])
    private let nextID = Atomic<Int>(0)
    let size: Int
    private let tls: PostgresConnection.Configuration.TLS

    /// - Throws: `StoreError.invalidArgument` when the TLS settings cannot be used (an
    ///   unreadable `sslrootcert`).
    init(location: PostgresLocation, size: Int, timeouts: PostgresTimeouts, logger: Logger) throws(StoreError) {
        tls = try Self.tls(for: location)
        self.location = location
        self.size = max(1, size)
        self.timeouts = timeouts
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        capacity = DispatchSemaphore(value: self.size)
    }

    deinit {
        let connections = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle
        }
        for connection in connections { Self.close(connection) }
        group.shutdownGracefully { _ in }
    }

    /// Runs `body` on a pooled connection. A connection whose statement failed at the
    /// connection level (or timed out) is closed, not returned.
    /// - Throws: `SQLFailure` (`.timedOut` when no connection is free within `acquire`),
    ///   or whatever `body` throws.
    func withConnection<T>(_ body: (Session) throws -> T) throws -> T {
        guard capacity.wait(timeout: .now() + timeouts.acquire.dispatchInterval) == .success else {
            throw SQLFailure(kind: .timedOut, message: "all \(size) connections to \(location) stayed busy for \(timeouts.acquire)")
        }
        defer { capacity.signal() }
        let (connection, reused) = try take()
        let session = Session(connection: connection, reused: reused, timeout: timeouts.statement, logger: logger)
        defer {
            if session.broken || connection.isClosed {
                Self.close(connection)
            } else {
                idle.withLock { $0.append(connection) }
            }
        }
        return try body(session)
    }

    /// postgres-nio's TLS setting for a location's `sslmode` (one TLS context per pool).
    static func tls(for location: PostgresLocation) throws(StoreError) -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        func trust(_ file: String?) throws(StoreError) {
            guard let file else { return }
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(file))
            } catch {
                throw StoreError(.invalidArgument, "cannot read the CA certificates in sslrootcert=\(file): \(error); give a PEM file")
            }
        }
        switch location.tls {
        case .disable:
            return .disable
        case .prefer, .require:
            configuration.certificateVerification = .none
        case .verifyCA(let file):
            configuration.certificateVerification = .noHostnameVerification
            try trust(file)
        case .verifyFull(let file):
            configuration.certificateVerification = .fullVerification
            try trust(file)
        }
        do {
            let context = try NIOSSLContext(configuration: configuration)
            return location.tls == .prefer ? .prefer(context) : .require(context)
        } catch {
            throw StoreError(.invalidArgument, "cannot set up TLS for \(location): \(error)")
        }
    }

    /// Closes every idle connection (after a failover, so none points at the old server).
    func drain() {
        let connections = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle
        }
        for connection in connections { Self.close(connection) }
    }

    /// Closes a connection, keeping it alive until the close completes.
    static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// A new connection outside the pool (for a session-level advisory lock, held as long
    /// as the connection): the caller closes it with `close`.
    /// - Throws: `SQLFailure`.
    func dedicatedSession() throws -> Session {
        Session(connection: try connect(), reused: false, timeout: timeouts.statement, logger: logger)
    }

    private func take() throws -> (PostgresConnection, reused: Bool) {
        while let connection = idle.withLock({ $0.popLast() }) {
            if !connection.isClosed { return (connection, true) }
        }
        return (try connect(), false)
    }

    private func connect() throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: location.password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .nanoseconds(Int64(timeouts.connect.dispatchNanoseconds))
        configuration.options.additionalStartupParameters = [("application_name", "echo")]
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        let future = PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger)
        do {
            return try Session.wait(future, timeout: timeouts.connect + .seconds(1))
        } catch let failure as SQLFailure {
            // A connection that arrives after we gave up is closed, not leaked.
            future.whenSuccess { Self.close($0) }
            throw SQLFailure(kind: failure.kind == .server || failure.kind == .tls ? failure.kind : .connectionLost, sqlState: failure.sqlState,
                             message: "cannot connect to \(location): \(failure.message)")
        }
    }
}

/// One connection lent by the pool: statements run one at a time, each bounded by the
/// statement timeout.
final class Session {
    let connection: PostgresConnection
    /// Whether the connection came from the idle list (it may have died while idle).
    let reused: Bool
    private let timeout: Duration
    private let logger: Logger
    private(set) var broken = false
    /// Statements sent on this session so far.
    private(set) var statements = 0

    init(connection: PostgresConnection, reused: Bool, timeout: Duration, logger: Logger) {
        self.connection = connection
        self.reused = reused
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs one statement and returns its rows.
    /// - Throws: `SQLFailure`.
    @discardableResult
    func query(_ query: PostgresQuery) throws -> [PostgresRow] {
        statements += 1
        // A query sent on a connection the server already closed is never answered.
        guard !connection.isClosed else {
            broken = true
            throw SQLFailure(kind: .connectionLost, message: "the server closed the connection")
        }
        do {
            return Array(try Self.wait(connection.query(query, logger: logger), timeout: timeout))
        } catch let failure as SQLFailure {
            if failure.kind != .server { broken = true }
            throw failure
        }
    }

    /// The rows' first column.
    func column<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery) throws -> [T] {
        try self.query(query).map { try $0.decode(T.self) }
    }

    /// Waits for `future` at most `timeout`.
    static func wait<T: Sendable>(_ future: EventLoopFuture<T>, timeout: Duration) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Protected<Result<T, any Error>?>(nil)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout.dispatchInterval) == .success else {
            throw SQLFailure(kind: .timedOut, message: "no answer within \(timeout)")
        }
        do {
            return try outcome.withLock { $0! }.get()
        } catch let failure as SQLFailure {
            throw failure
        } catch let error as PostgresDecodingError {
            throw SQLFailure(kind: .server, message: "a stored value has an unexpected type (\(error.code))")
        } catch {
            throw SQLFailure(error)
        }
    }
}

extension Duration {
    var dispatchNanoseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }

    var dispatchInterval: DispatchTimeInterval { .nanoseconds(dispatchNanoseconds) }
}
