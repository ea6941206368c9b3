import EchoTestSupport
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Several `echoctl serve` nodes on one PostgreSQL database, and one node riding out a
/// PostgreSQL restart: real processes, a real server.
@Suite("echoctl serve on PostgreSQL", .serialized)
struct ClusterCommandTests {
    static let token = "cluster-t0ken"

    static func node(_ url: String, cache: TemporaryDirectory, extra: [String] = [], environment: [String: String] = [:]) throws -> (Process, String, () -> String) {
        let (process, port, printed) = try ServeCommandTests.start(["--store", url, "--cache", cache.path, "--verbose"] + extra,
                                                                   environment: environment.merging(["ECHO_API_TOKENS": token]) { $1 })
        return (process, "http://127.0.0.1:\(port)", printed)
    }

    static func send(_ method: String, _ url: String, body: Data? = nil, token: String? = token) async throws -> (Int, Any, HTTPURLResponse) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if body != nil { request.setValue("image/png", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let json = (try? JSONSerialization.jsonObject(with: data)) ?? [:]
        return (http.statusCode, json, http)
    }

    static func image(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("Tests/EchoEmbeddingTests/Fixtures/" + name)))
    }

    /// Every value under `key` anywhere in a JSON value.
    static func values(_ key: String, in json: Any) -> [String] {
        switch json {
        case let object as [String: Any]:
            object.flatMap { k, v in (k == key ? ["\(v)"] : []) + values(key, in: v) }
        case let array as [Any]:
            array.flatMap { values(key, in: $0) }
        default:
            []
        }
    }

    static func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    @Test("two nodes on one database: a sample added on A is B's nearest normal; the same image sent to both at once is stored once")
    func twoNodes() async throws {
        let database = try TestDatabase()
        let cacheA = try TemporaryDirectory(), cacheB = try TemporaryDirectory()
        let (a, baseA, printedA) = try Self.node(database.url, cache: cacheA, environment: ["ECHO_STORE_PASSWORD": "s3cret-pw"])
        defer { Self.stop(a) }
        let (b, baseB, printedB) = try Self.node(database.url, cache: cacheB)
        defer { Self.stop(b) }

        let coffee = try Self.image("coffee-224.png")
        let (added, addedBody, _) = try await Self.send("POST", baseA + "/v1/categories/cups/references", body: coffee)
        #expect(added == 201, "\(addedBody) \(printedA())")
        let ids = Self.values("id", in: addedBody)
        let (queried, matches, _) = try await Self.send("POST", baseB + "/v1/categories/cups/query?k=1", body: coffee)
        #expect(queried == 200, "\(matches) \(printedB())")
        #expect(!ids.isEmpty && Self.values("id", in: (matches as? [String: Any])?["matches"] ?? []).first == ids.first, "B answers with A's reference")

        let cat = try Self.image("chelsea.jpg")
        async let fromA = Self.send("POST", baseA + "/v1/categories/cups/references", body: cat)
        async let fromB = Self.send("POST", baseB + "/v1/categories/cups/references", body: cat)
        let (first, second) = try await (fromA, fromB)
        #expect([first.0, second.0].allSatisfy { $0 == 200 || $0 == 201 }, "\(first.1) \(second.1)")
        let (listed, list, _) = try await Self.send("GET", baseB + "/v1/categories/cups/references")
        #expect(listed == 200)
        #expect(Set(Self.values("sha256", in: list)).count == 2 && Self.values("sha256", in: list).count == 2, "one reference per image: \(list)")
        #expect(!printedA().isEmpty && !printedA().contains("s3cret-pw"), "the password is never logged")
        let verify = try CommandRunner.run(["verify", "--store", database.url, "--cache", cacheA.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("PostgreSQL stopped under a node: 503 database_unavailable with Retry-After, /healthz up, /readyz not ready; back by itself when it returns")
    func databaseRestart() async throws {
        let cluster = try PrivateCluster()
        try cluster.postgres.psql("CREATE DATABASE echo")
        let url = cluster.postgres.url(database: "echo")
        let cache = try TemporaryDirectory()
        let (node, base, printed) = try Self.node(url, cache: cache, extra: ["--request-timeout", "10"])
        defer { Self.stop(node) }
        let coffee = try Self.image("coffee-224.png")
        #expect(try await Self.send("POST", base + "/v1/categories/cups/references", body: coffee).0 == 201, "\(printed())")
        #expect(try await Self.send("GET", base + "/readyz", token: nil).0 == 200)

        try cluster.stop()
        let started = Date()
        let (down, body, response) = try await Self.send("POST", base + "/v1/categories/cups/query", body: coffee)
        #expect(down == 503 && Self.values("code", in: body) == ["database_unavailable"], "\(body)")
        #expect(response.value(forHTTPHeaderField: "Retry-After") != nil)
        #expect(Date().timeIntervalSince(started) < 10, "answered within the request timeout, never a hang")
        #expect(!"\(body)".contains("127.0.0.1") && !"\(body)".contains("SELECT"), "no internals to the client")
        #expect(try await Self.send("GET", base + "/healthz", token: nil).0 == 200)
        let (notReady, readiness, _) = try await Self.send("GET", base + "/readyz", token: nil)
        #expect(notReady == 503 && Self.values("code", in: readiness) == ["database_unavailable"])

        try cluster.start()
        let back = Date()
        var status = 0
        while Date().timeIntervalSince(back) < 20 {
            status = try await Self.send("POST", base + "/v1/categories/cups/query", body: coffee).0
            if status == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(status == 200, "recovered by itself: \(printed())")
        #expect(try await Self.send("GET", base + "/readyz", token: nil).0 == 200)
    }
}
