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

    /// Runs pg_ctl on the cluster (as the postgres user when the tests run as root). Its
    /// output is discarded: the server it starts would hold a pipe open for its lifetime.
    public func pgctl(_ arguments: [String]) throws {
        try run(bin + "/pg_ctl", ["-D", data] + arguments, asPostgres: true, capture: false)
    }

    @discardableResult
    public func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false, capture: Bool = true) throws -> String {
        let process = Process()
        if asPostgres, getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        guard capture else {
            // posix_spawn and waitpid: the server pg_ctl starts outlives it, and Foundation's
            // Process does not always see such a child exit.
            let command = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
            var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for descriptor in [0, 1, 2] as [Int32] {
                posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            let argv = command.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            guard posix_spawn(&pid, command[0], &actions, nil, argv, environ) == 0 else {
                throw Failed(description: "cannot start \(command[0])")
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            guard status == 0 else {
                throw Failed(description: "\((executable as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status))")
            }
            return ""
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

/// A PostgreSQL cluster of one test's own (initdb + pg_ctl in a temporary directory, on
/// a free loopback port), for tests that stop and restart the server; removed when released.
public final class PrivateCluster: @unchecked Sendable {
    public let postgres: TestPostgres
    private let directory: TemporaryDirectory
    /// Server settings added to every start (`-c name=value ...`).
    private var settings = ""

    /// The cluster's own directory (for files the server reads, such as TLS keys).
    public var path: String { directory.path }

    public init() throws {
        let shared = try TestPostgres.cluster()
        directory = try TemporaryDirectory(prefix: "echo-pg")
        let data = directory.path + "/data"
        if getuid() == 0 {
            chmod(directory.path, 0o755)
            try shared.run("/bin/chown", ["postgres", directory.path])
        }
        let port = try Self.freePort()
        postgres = TestPostgres(port: port, bin: shared.bin, data: data)
        try postgres.run(shared.bin + "/initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-instructions"], asPostgres: true)
        try start()
    }

    /// A hot standby of `primary` (`pg_basebackup -R`: streaming replication), started on
    /// a port of its own.
    public init(standbyOf primary: PrivateCluster) throws {
        directory = try TemporaryDirectory(prefix: "echo-pg-standby")
        let data = directory.path + "/data"
        if getuid() == 0 {
            chmod(directory.path, 0o755)
            try primary.postgres.run("/bin/chown", ["postgres", directory.path])
        }
        let port = try Self.freePort()
        postgres = TestPostgres(port: port, bin: primary.postgres.bin, data: data)
        _ = try postgres.run(primary.postgres.bin + "/pg_basebackup", ["-D", data, "-h", "127.0.0.1", "-p", "\(primary.postgres.port)", "-U", "postgres",
                                                                   "-R", "-X", "stream", "-c", "fast"], asPostgres: true)
        try start()
    }

    deinit { try? postgres.pgctl(["-m", "immediate", "stop"]) }

    public func start() throws {
        try postgres.pgctl(["-l", postgres.data + "/server.log", "-w", "-t", "60",
                            "-o", "-p \(postgres.port) -k \(directory.path) -c listen_addresses=127.0.0.1\(settings)", "start"])
    }

    /// Restarts the server with TLS on: a new self-signed certificate for localhost (and
    /// its key) made with openssl in the cluster's directory.
    /// - Returns: the certificate's path (a client's `sslrootcert`).
    @discardableResult
    public func enableTLS() throws -> String {
        let certificate = directory.path + "/server.crt", key = directory.path + "/server.key"
        _ = try postgres.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                                                  "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        chmod(key, 0o600)
        if getuid() == 0 { _ = try postgres.run("/bin/chown", ["postgres", key, certificate]) }
        try stop()
        settings = " -c ssl=on -c ssl_cert_file=\(certificate) -c ssl_key_file=\(key)"
        try start()
        return certificate
    }

    /// Stops the server: `fast` rolls back open transactions and disconnects clients.
    public func stop(mode: String = "fast") throws { try postgres.pgctl(["-m", mode, "-w", "stop"]) }

    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestPostgres.Failed(description: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
