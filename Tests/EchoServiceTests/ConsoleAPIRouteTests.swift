import EchoApplication
import EchoImaging
import EchoService
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The routes the web console needs besides the rest of the API: the session, runs,
/// thumbnails, a run's images, calibration; and the console's own files.
@Suite("The HTTP service's console routes")
struct ConsoleAPIRouteTests {
    /// A service with three golden samples of `parts`.
    static func withGoldenSamples(_ body: @Sendable (ServiceContext, any TestClientProtocol) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            for (dx, dy) in [(0, 0), (4, 0), (0, 4), (4, 4)] {
                let added = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: dx, dy: dy), contentType: "image/png")
                #expect(added.status == .created, "\(added.text)")
            }
            try await body(service, client)
        }
    }

    @Test("the session says what the token may do; no token is 401; --no-auth is read-write and unauthenticated")
    func session() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceFixture.application(try ServiceFixture.service(directory)).test(.router) { client in
            let writer = try await client.send(.get, "/v1/session")
            #expect(writer.status == .ok && writer.json["access"] as? String == "read-write" && writer.json["authenticated"] as? Bool == true)
            #expect(writer.json["mllm"] as? Bool == false)
            #expect(try await client.send(.get, "/v1/session", token: ServiceFixture.reader).json["access"] as? String == "read-only")
            #expect(try await client.send(.get, "/v1/session", token: nil).errorCode == "missing_token")
            #expect(try await client.send(.get, "/v1/session", token: "Bearer nope").errorCode == "invalid_token")
        }
        let open = try ServiceFixture.service(try TemporaryDirectory(), configuration: ServiceFixture.configuration { $0.tokens = nil })
        try await ServiceFixture.application(open).test(.router) { client in
            let session = try await client.send(.get, "/v1/session", token: nil)
            #expect(session.json["access"] as? String == "read-write" && session.json["authenticated"] as? Bool == false, "\(session.text)")
        }
    }

    @Test("calibrate sets the threshold, builds or drops the memory bank on request, and refuses bad parameters and read-only tokens")
    func calibrate() async throws {
        try await Self.withGoldenSamples { _, client in
            let calibrated = try await client.send(.post, "/v1/categories/parts/calibrate?quantile=0.9")
            #expect(calibrated.status == .ok, "\(calibrated.text)")
            let calibration = try #require(calibrated.json["calibration"] as? [String: Any])
            #expect((calibration["threshold"] as? Double ?? 0) > 0 && (calibration["scores"] as? [Double])?.count == 4)
            #expect(calibrated.json["memoryBank"] == nil && calibrated.json["memoryBankRemoved"] as? Bool == false)
            let stats = try await client.send(.get, "/v1/categories")
            #expect(stats.jsonArray.first?["threshold"] as? Double == calibration["threshold"] as? Double)

            let built = try await client.send(.post, "/v1/categories/parts/calibrate?memoryBank=build&coreset=0.25")
            let bank = try #require(built.json["memoryBank"] as? [String: Any], "\(built.text)")
            #expect((bank["patches"] as? Int ?? 0) > 0 && (bank["patches"] as? Int ?? 0) < (bank["sourcePatches"] as? Int ?? 0))
            #expect(try await client.send(.get, "/v1/categories").jsonArray.first?["memoryBankPatches"] as? Int == bank["patches"] as? Int)
            let dropped = try await client.send(.post, "/v1/categories/parts/calibrate?memoryBank=drop")
            #expect(dropped.json["memoryBankRemoved"] as? Bool == true, "\(dropped.text)")
            #expect(try await client.send(.get, "/v1/categories").jsonArray.first?["memoryBankPatches"] == nil)

            let badChoice = try await client.send(.post, "/v1/categories/parts/calibrate?memoryBank=rebuild")
            #expect(badChoice.status == .badRequest && badChoice.errorCode == "invalid_parameter" && badChoice.text.contains("keep, build, drop"))
            #expect(try await client.send(.post, "/v1/categories/parts/calibrate?quantile=high").errorCode == "invalid_parameter")
            #expect(try await client.send(.post, "/v1/categories/parts/calibrate?quantile=1.5").errorCode == "invalid_parameter")
            #expect(try await client.send(.post, "/v1/categories/nothing/calibrate").errorCode == "unknown_category")
            #expect(try await client.send(.post, "/v1/categories/parts/calibrate", token: ServiceFixture.reader).errorCode == "read_only_token")
        }
    }

    @Test("thumbnails are PNG scaled to the size asked, cached by SHA-256 and size (304), bounded, and 404 for unknown ids")
    func thumbnails() async throws {
        try await Self.withGoldenSamples { _, client in
            let references = try await client.send(.get, "/v1/categories/parts/references").jsonArray
            let id = try #require(references.first?["id"] as? Int), sha = try #require(references.first?["sha256"] as? String)
            let small = try await client.send(.get, "/v1/references/\(id)/thumbnail?size=40", token: ServiceFixture.reader)
            #expect(small.status == .ok && small.headers[.contentType] == "image/png" && small.headers[.eTag] == "\"\(sha)-40\"")
            let image = try ImageDecoder().decode(Array(small.body.readableBytesView))
            #expect(image.width == 40 && image.height == 40, "the 160×160 crop scaled to 40")
            let standard = try ImageDecoder().decode(Array(try await client.send(.get, "/v1/references/\(id)/thumbnail").body.readableBytesView))
            #expect(standard.width == 160, "the default side (160) does not enlarge")
            let cached = try await client.send(.get, "/v1/references/\(id)/thumbnail?size=40", headers: [.ifNoneMatch: "\"\(sha)-40\""])
            #expect(cached.status == .notModified && cached.body.readableBytes == 0)
            #expect(try await client.send(.get, "/v1/references/\(id)/thumbnail?size=80", headers: [.ifNoneMatch: "\"\(sha)-40\""]).status == .ok)
            // A weak tag among others and `*` are held too (If-None-Match compares weakly).
            #expect(try await client.send(.get, "/v1/references/\(id)/thumbnail?size=40", headers: [.ifNoneMatch: "\"x\", W/\"\(sha)-40\""]).status == .notModified)
            #expect(try await client.send(.get, "/v1/references/\(id)/thumbnail?size=40", headers: [.ifNoneMatch: "*"]).status == .notModified)
            for size in ["0", "15", "2000", "big"] {
                let refused = try await client.send(.get, "/v1/references/\(id)/thumbnail?size=\(size)")
                #expect(refused.status == .badRequest && refused.errorCode == "invalid_parameter", "size \(size): \(refused.text)")
            }
            #expect(try await client.send(.get, "/v1/references/\(id + 99)/thumbnail").errorCode == "unknown_reference")
            #expect(try await client.send(.get, "/v1/references/\(id)/thumbnail", token: nil).errorCode == "missing_token")
        }
    }

    @Test("runs are listed newest first by category; a kept upload's image is served, one inspected without keep is image_not_kept")
    func runsAndTheirImages() async throws {
        try await Self.withGoldenSamples { service, client in
            #expect(try await client.send(.post, "/v1/categories/parts/calibrate").status == .ok)
            #expect(try await client.send(.get, "/v1/runs").jsonArray.isEmpty)
            let kept = try await client.send(.post, "/v1/categories/parts/inspect?keep=true", token: ServiceFixture.reader,
                                             body: try ServiceFixture.crop(dx: 2, dy: 2, scratch: true), contentType: "image/png")
            let keptRun = try #require(kept.json["runID"] as? Int, "\(kept.text)")
            let unkept = try await client.send(.post, "/v1/categories/parts/inspect", body: try ServiceFixture.crop(dx: 1, dy: 1), contentType: "image/png")
            let unkeptRun = try #require(unkept.json["runID"] as? Int)
            _ = try await client.send(.post, "/v1/categories/cups/references", body: try ServiceFixture.crop(dx: 8, dy: 8), contentType: "image/png")

            let runs = try await client.send(.get, "/v1/runs", token: ServiceFixture.reader)
            #expect(runs.jsonArray.map { $0["id"] as? Int } == [unkeptRun, keptRun], "newest first")
            #expect(runs.jsonArray.first?["state"] as? String == "finished" && runs.jsonArray.first?["recorded"] as? Int == 1)
            #expect((runs.jsonArray.last?["summary"] as? [String: Int])?["anomalous"] == 1, "\(runs.text)")
            #expect(try await client.send(.get, "/v1/runs?limit=1&offset=1").jsonArray.map { $0["id"] as? Int } == [keptRun])
            #expect(try await client.send(.get, "/v1/runs?category=cups").jsonArray.isEmpty)
            #expect(try await client.send(.get, "/v1/runs?category=nothing").errorCode == "unknown_category")
            #expect(try await client.send(.get, "/v1/runs?category=..").errorCode == "invalid_category")
            #expect(try await client.send(.get, "/v1/runs?limit=0").errorCode == "invalid_parameter")
            #expect(try await client.send(.get, "/v1/runs?limit=501").errorCode == "invalid_parameter")

            let image = try await client.send(.get, "/v1/runs/\(keptRun)/results/0/image?size=64", token: ServiceFixture.reader)
            #expect(image.status == .ok && image.headers[.contentType] == "image/png", "\(image.text)")
            let decoded = try ImageDecoder().decode(Array(image.body.readableBytesView))
            #expect(decoded.width == 64 && decoded.height == 64)
            let tag = try #require(image.headers[.eTag])
            #expect(try await client.send(.get, "/v1/runs/\(keptRun)/results/0/image?size=64", headers: [.ifNoneMatch: tag]).status == .notModified)
            let files = try FileManager.default.contentsOfDirectory(atPath: service.app.uploadsDirectory + "/inspected")
            #expect(files.count == 1 && files[0].hasSuffix(".png"), "only the kept upload is on disk: \(files)")

            let notKept = try await client.send(.get, "/v1/runs/\(unkeptRun)/results/0/image")
            #expect(notKept.status == .notFound && notKept.errorCode == "image_not_kept" && notKept.text.contains("keep=true"), "\(notKept.text)")
            #expect(try await client.send(.get, "/v1/runs/\(keptRun)/results/1/image").errorCode == "unknown_run")
            #expect(try await client.send(.get, "/v1/runs/\(keptRun + 99)/results/0/image").errorCode == "unknown_run")
            #expect(try await client.send(.get, "/v1/runs/\(keptRun)/results/-1/image").errorCode == "invalid_parameter")
            // A kept file that is damaged later is a bad image, said so, not a crash.
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: service.app.uploadsDirectory + "/inspected/" + files[0]))
            #expect(try await client.send(.get, "/v1/runs/\(keptRun)/results/0/image?size=65").errorCode == "bad_image")
        }
    }

    @Test("the console's files are public, typed, cached by ETag, and served under a policy that allows no inline script")
    func consoleFiles() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceFixture.application(try ServiceFixture.service(directory)).test(.router) { client in
            let page = try await client.send(.get, "/", token: nil)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline") && policy.contains("frame-ancestors 'none'"))
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            // Every file the page names is served, with its type; nothing comes from elsewhere.
            let named = page.text.matches(of: /(?:src|href)="(\/console\/[a-z.]+)"/).map { String($0.1) }
            #expect(Set(named) == ["/console/icon.svg", "/console/console.css", "/console/core.js", "/console/views.js", "/console/inspection.js"])
            #expect(!page.text.contains("http://") && !page.text.contains("https://") && !page.text.contains("<script>"))
            for path in named {
                let file = try await client.send(.get, path, token: nil)
                #expect(file.status == .ok && file.body.readableBytes > 100, "\(path)")
                let type = try #require(file.headers[.contentType])
                #expect(path.hasSuffix(".js") ? type.hasPrefix("text/javascript") : path.hasSuffix(".css") ? type.hasPrefix("text/css") : type == "image/svg+xml")
                let tag = try #require(file.headers[.eTag])
                #expect(try await client.send(.get, path, token: nil, headers: [.ifNoneMatch: tag]).status == .notModified)
            }
            // The scripts build the page from text nodes: no markup is ever parsed from data.
            for path in ["/console/core.js", "/console/views.js", "/console/inspection.js"] {
                let script = try await client.send(.get, path, token: nil).text
                #expect(!script.contains("innerHTML") && !script.contains("outerHTML") && !script.contains("insertAdjacentHTML") && !script.contains("eval("), "\(path)")
            }
            // A file the console does not have is no public path: without a token the caller
            // learns nothing about it; with one it is a plain 404.
            #expect(try await client.send(.get, "/console/missing.js", token: nil).status == .unauthorized)
            #expect(try await client.send(.get, "/console/missing.js").status == .notFound)
        }
    }
}
