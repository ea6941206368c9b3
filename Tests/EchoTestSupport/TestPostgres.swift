import Foundation

/// The throwaway PostgreSQL cluster `make test` starts (scripts/with-postgres.sh): each
/// test takes a database of its own, dropped when released. Without the cluster a test
/// that needs it fails, saying how to run it; it never skips.
public final class TestDatabase: @unchecked Sendable {
    /// postgres://postgres@127.0.0.1:PORT/NAME
    public let url: String
    public let name: String
    private let cluster: TestPostgres

    public init() throws {
        cluster = try TestPostgres.cluster()
        name = "echo_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try cluster.psql("CREATE DATABASE \(name)")
        url = cluster.url(database: name)
    }

    deinit {
        try? cluster.psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs SQL in this database with psql; its output (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String) throws -> String { try cluster.psql(sql, database: name) }
}

/// The cluster's coordinates, from the environment scripts/with-postgres.sh sets.
public struct TestPostgres: Sendable {
    public let port: Int
    public let bin: String
    public let data: String

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public static func cluster(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TestPostgres {
        guard let port = environment["ECHO_TEST_POSTGRES_PORT"].flatMap(Int.init), let bin = environment["ECHO_TEST_POSTGRES_BIN"],
              let data = environment["ECHO_TEST_POSTGRES_DATA"] else {
            throw Missing(description: "no test PostgreSQL cluster: run the tests with `make test` (or `scripts/with-postgres.sh swift test`)")
        }
        return TestPostgres(port: port, bin: bin, data: data)
    }

    public func url(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(bin + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
    }

    /// Runs pg_ctl on the cluster (as the postgres user when the tests run as root).
    public func pgctl(_ arguments: [String]) throws {
        try run(bin + "/pg_ctl", ["-D", data] + arguments, asPostgres: true)
    }

    @discardableResult
    func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
        let process = Process()
        if asPostgres, getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\((executable as NSString).lastPathComponent) failed (\(process.terminationStatus)): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
