import Crypto
import EchoImaging
import EchoTestSupport
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Faults under load on PostgreSQL with real `echoctl serve` processes: nodes killed with
/// SIGKILL mid-ingest, and the database hard-stopped while queries run.
@Suite("echoctl serve on PostgreSQL: faults under load", .serialized)
struct ClusterFaultTests {
    /// Distinct PNG crops of the real photo, with their SHA-256.
    static func images(_ count: Int) throws -> [(bytes: Data, sha256: String)] {
        try (0..<count).map { i in
            let bytes = Data(try ImageEncoder.png(try PaintedDataset.crop(dx: i % 8, dy: i / 8)))
            return (bytes, SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        }
    }

    /// Sends `request`, nil when the connection fails (a killed node answers nothing).
    static func answer(_ method: String, _ url: String, body: Data? = nil) async -> (Int, Any)? {
        guard let (status, json, _) = try? await ClusterCommandTests.send(method, url, body: body) else { return nil }
        return (status, json)
    }

    @Test("a node killed with SIGKILL mid-ingest, 10 times: every acknowledged image stays, once, under its id; verify is clean on every node")
    func killedNodesLoseNothingAcknowledged() async throws {
        let database = try TestDatabase()
        let cacheA = try TemporaryDirectory(), cacheB = try TemporaryDirectory()
        let images = try Self.images(48)
        var acknowledged: [String: String] = [:]  // sha256 → id
        var generator = SeededGenerator(seed: 14)
        var next = 0, kills = 0
        while acknowledged.count < images.count {
            let (node, base, printed) = try ClusterCommandTests.node(database.url, cache: cacheA)
            let killing = kills < 10
            let waiting = images.filter { acknowledged[$0.sha256] == nil }
            let uploads = Task { () -> [String: String] in
                var done: [String: String] = [:]
                // Unacknowledged images are sent again: retrying is safe.
                for image in waiting {
                    guard let (status, body) = await Self.answer("POST", base + "/v1/categories/parts/references", body: image.bytes) else { break }
                    guard status == 200 || status == 201, let id = ClusterCommandTests.values("id", in: body).first else { break }
                    done[image.sha256] = id
                }
                return done
            }
            if killing {
                try await Task.sleep(for: .milliseconds(Int.random(in: 150...700, using: &generator)))
                kill(node.processIdentifier, SIGKILL)
                node.waitUntilExit()
                kills += 1
            }
            let done = await uploads.value
            if !killing { ClusterCommandTests.stop(node) }
            for (sha, id) in done {
                #expect(acknowledged[sha] == nil || acknowledged[sha] == id, "an image acknowledged twice keeps its id")
                acknowledged[sha] = id
            }
            next += 1
            #expect(next < 40, "ingest makes progress: \(printed().suffix(500))")
            if next >= 40 { break }
        }
        #expect(kills == 10)

        // A fresh node (no cache) and the killed node's stale cache both see exactly them.
        for cache in [cacheA, cacheB] {
            let (node, base, _) = try ClusterCommandTests.node(database.url, cache: cache)
            defer { ClusterCommandTests.stop(node) }
            let (status, listed, _) = try await ClusterCommandTests.send("GET", base + "/v1/categories/parts/references?limit=1000")
            #expect(status == 200)
            let rows = (listed as? [[String: Any]]) ?? []
            let stored = [String: String](rows.map { ("\($0["sha256"] ?? "")", "\($0["id"] ?? "")") }, uniquingKeysWith: { first, _ in first })
            #expect(rows.count == images.count && stored == acknowledged, "every image once, each under the id it was acknowledged with")
            for image in images.prefix(3) {
                let (queried, matches, _) = try await ClusterCommandTests.send("POST", base + "/v1/categories/parts/query?k=1", body: image.bytes)
                #expect(queried == 200 && ClusterCommandTests.values("id", in: (matches as? [String: Any])?["matches"] ?? []).first == acknowledged[image.sha256])
            }
        }
        for cache in [cacheA, cacheB] {
            let verify = try CommandRunner.run(["verify", "--store", database.url, "--cache", cache.path])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }

    @Test("PostgreSQL hard-stopped (immediate) and restarted under a query load: only 200s and 503s, then all 200s within seconds")
    func hardStopUnderLoad() async throws {
        let cluster = try PrivateCluster()
        try cluster.postgres.psql("CREATE DATABASE echo")
        let cache = try TemporaryDirectory()
        let (node, base, printed) = try ClusterCommandTests.node(cluster.postgres.url(database: "echo"), cache: cache, extra: ["--request-timeout", "10"])
        defer { ClusterCommandTests.stop(node) }
        let images = try Self.images(4)
        for image in images {
            #expect(try await ClusterCommandTests.send("POST", base + "/v1/categories/parts/references", body: image.bytes).0 == 201, "\(printed())")
        }
        let statuses = Locked<[(Date, Int)]>([])
        let stopLoad = Locked(false)
        let load = (0..<3).map { client in
            Task {
                while !stopLoad.value {
                    let status = await Self.answer("POST", base + "/v1/categories/parts/query?k=2", body: images[client].bytes)?.0 ?? -1
                    statuses.update { $0.append((Date(), status)) }
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        try cluster.stop(mode: "immediate")
        try await Task.sleep(for: .seconds(2))
        try cluster.start()
        let restarted = Date()
        try await Task.sleep(for: .seconds(8))
        stopLoad.update { $0 = true }
        for task in load { await task.value }

        let all = statuses.value
        #expect(Set(all.map(\.1)).isSubset(of: [200, 503]), "only 200 and 503: \(Dictionary(grouping: all, by: \.1).mapValues(\.count))")
        #expect(all.contains { $0.1 == 503 } && all.contains { $0.1 == 200 })
        let recovered = try #require(all.last { $0.1 != 200 }.map { $0.0.timeIntervalSince(restarted) }, "some requests failed while it was down")
        #expect(recovered < 5, "every answer is 200 from \(String(format: "%.1f", recovered)) s after the restart on")
        #expect(all.filter { $0.0 > restarted.addingTimeInterval(5) }.count > 10, "and the load ran on")
        print("hard stop under load: \(all.count) requests, \(all.filter { $0.1 == 503 }.count) answered 503, all 200 again \(String(format: "%.2f", max(0, recovered))) s after the restart")
    }
}
