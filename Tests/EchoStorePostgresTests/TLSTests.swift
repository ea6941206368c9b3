import EchoStore
@testable import EchoStorePostgres
import EchoTestSupport
import Foundation
import Testing

/// TLS to a real PostgreSQL with a self-signed certificate: each sslmode does what libpq's
/// does, and a certificate that does not check out is refused, saying so.
@Suite("PostgreSQL over TLS", .serialized)
struct TLSTests {
    static func sslInUse(_ backend: PostgresBackend) throws -> Bool {
        try backend.pool.withConnection { try $0.column(Bool.self, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first } ?? false
    }

    static func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as StoreError {
            return "\(error.code.description): \(error.message)"
        } catch {
            return "\(error)"
        }
    }

    @Test("verify-full with the server's CA, require, prefer and disable connect as they say; a wrong CA or a plain server is refused")
    func sslModes() throws {
        let cluster = try PrivateCluster()
        try cluster.postgres.psql("CREATE DATABASE echo")
        let plainURL = cluster.postgres.url(database: "echo")
        // prefer against a server without TLS falls back to plain; require refuses it.
        #expect(try !Self.sslInUse(try PostgresBackend(location: PostgresLocation(url: plainURL), logger: PostgresFixture.logger)))
        let refused = Self.message { try PostgresBackend(location: PostgresLocation(url: plainURL + "?sslmode=require"), logger: PostgresFixture.logger) }
        #expect(refused != nil, "require needs TLS")

        let certificate = try cluster.enableTLS()
        let url = cluster.postgres.url(database: "echo")
        let byName = "postgres://postgres@localhost:\(cluster.postgres.port)/echo"
        for (base, mode, encrypted) in [(byName, "verify-full&sslrootcert=\(certificate)", true), (url, "verify-ca&sslrootcert=\(certificate)", true),
                                        (url, "require", true), (url, "prefer", true), (url, "disable", false)] {
            let backend = try PostgresBackend(location: PostgresLocation(url: base + "?sslmode=" + mode), logger: PostgresFixture.logger)
            #expect(try Self.sslInUse(backend) == encrypted, "sslmode=\(mode)")
            #expect(try backend.categories().isEmpty)
        }

        // A CA that did not sign the server's certificate: no connection, and the error says TLS.
        let other = try TemporaryDirectory()
        _ = try cluster.postgres.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other.path + "/k", "-out",
                                                          other.path + "/ca.pem", "-days", "1", "-subj", "/CN=someone-else"])
        let untrusted = Self.message { try PostgresBackend(location: PostgresLocation(url: byName + "?sslmode=verify-full&sslrootcert=\(other.path)/ca.pem"),
                                                           logger: PostgresFixture.logger) }
        #expect(untrusted?.contains("TLS handshake failed") == true && untrusted?.contains("database error") == true, "\(untrusted ?? "")")
        #expect(refused?.contains("does not offer TLS") == true, "\(refused ?? "")")
        #expect(Self.message { try PostgresLocation(url: url + "?sslmode=verify-full") }?.contains("DNS name") == true,
                "verify-full with an address cannot check the name: refused")
        let unreadable = Self.message { try PostgresLocation(url: byName + "?sslmode=verify-full&sslrootcert=/no/such/ca.pem").description }
        #expect(unreadable == nil, "parsing does not read the file")
        let missing = Self.message { try PostgresBackend(location: PostgresLocation(url: byName + "?sslmode=verify-full&sslrootcert=/no/such/ca.pem"),
                                                         logger: PostgresFixture.logger) }
        #expect(missing?.contains("sslrootcert=/no/such/ca.pem") == true, "\(missing ?? "")")
        print("TLS errors: untrusted CA: \(untrusted ?? "-"); plain server with require: \(refused ?? "-")")
    }
}
