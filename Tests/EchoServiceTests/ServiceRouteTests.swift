import EchoApplication
import EchoService
import EchoStore
import EchoVision
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

@Suite("The HTTP service's routes")
struct ServiceRouteTests {
    @Test("the OpenAPI document parses and lists exactly the routes served")
    func openAPIMatchesRoutes() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        let routes = EchoServer.buildRouter(service).routes
        try await ServiceFixture.application(service).test(.router) { client in
            for path in ["/openapi.json", "/openapi.yaml"] {
                let response = try await client.send(.get, path, token: nil)
                #expect(response.status == .ok)
                let document = response.json
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: [String: Any]])
                let methods: Set<String> = ["get", "post", "put", "delete", "patch", "head"]
                let documented = Set(paths.flatMap { path, item in item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" } })
                #expect(documented == routes, "documented but not served: \(documented.subtracting(routes)); served but not documented: \(routes.subtracting(documented))")
            }
        }
        #expect(routes.count == 30)
    }

    @Test("/readyz answers without a token: ready while the store answers")
    func readiness() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceFixture.application(try ServiceFixture.service(directory)).test(.router) { client in
            let response = try await client.send(.get, "/readyz", token: nil)
            #expect(response.status == .ok)
            #expect(response.json["status"] as? String == "ready")
        }
    }

    @Test("the OpenAPI document lists every error code per operation under its status, and every use-case code once")
    func openAPIListsErrorCodes() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceFixture.application(try ServiceFixture.service(directory)).test(.router) { client in
            let document = try await client.send(.get, "/openapi.json", token: nil).json
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, item) in paths {
                for (method, value) in item where ["get", "post", "delete"].contains(method) {
                    let operation = try #require(value as? [String: Any])
                    let codes = try #require(operation["x-error-codes"] as? [String: [String]], "\(method) \(path)")
                    let responses = try #require(operation["responses"] as? [String: Any])
                    for status in codes.keys { #expect(responses[status] != nil, "\(method) \(path) lists codes under \(status) but no such response") }
                    #expect(codes["405"] == ["method_not_allowed"])
                    if operation["security"] == nil { #expect(codes["401"]?.contains("invalid_token") == true, "\(method) \(path)") }
                }
            }
            let components = try #require(document["components"] as? [String: Any])
            let all = try #require(components["x-error-codes"] as? [String: [String: Any]])
            #expect(Set(all.keys) == Set(EchoError.Code.allCases.map(\.rawValue)))
            #expect(all["unknown_category"]?["status"] as? Int == 404 && all["store_failed"]?["status"] as? Int == 500)
            let upload = try #require(paths["/v1/categories/{category}/references"]?["post"] as? [String: Any])
            let uploadCodes = try #require(upload["x-error-codes"] as? [String: [String]])
            #expect(uploadCodes["403"]?.contains("read_only_token") == true && uploadCodes["413"]?.contains("image_too_large") == true)
        }
    }

    @Test("auth: no token and a wrong token are 401, a read-only token cannot write, health and the document are public")
    func authentication() async throws {
        let directory = try TemporaryDirectory()
        try await ServiceFixture.application(try ServiceFixture.service(directory)).test(.router) { client in
            #expect(try await client.send(.get, "/healthz", token: nil).status == .ok)
            let missing = try await client.send(.get, "/v1/categories", token: nil)
            #expect(missing.status == .unauthorized && missing.errorCode == "missing_token")
            #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            let wrong = try await client.send(.get, "/v1/categories", token: "Bearer rw-secreT")
            #expect(wrong.status == .unauthorized && wrong.errorCode == "invalid_token")
            #expect(try await client.send(.get, "/v1/categories", token: "Basic cnctc2VjcmV0").status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", token: nil).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/categories", token: ServiceFixture.reader).status == .ok)
            let readOnly = try await client.send(.post, "/v1/categories", token: ServiceFixture.reader, body: ByteBuffer(string: "{\"name\": \"parts\"}"))
            #expect(readOnly.status == .forbidden && readOnly.errorCode == "read_only_token")
            #expect(try await client.send(.post, "/v1/categories", body: ByteBuffer(string: "{\"name\": \"parts\"}")).status == .created)
            // Queries and inspections are reads: a camera's read-only token may make them.
            let query = try await client.send(.post, "/v1/categories/parts/query", token: ServiceFixture.reader, body: try ServiceFixture.crop(dx: 0, dy: 0))
            #expect(query.status != .forbidden && query.status != .unauthorized, "\(query.text)")
            let delete = try await client.send(.delete, "/v1/references/1", token: ServiceFixture.reader)
            #expect(delete.status == .forbidden)
        }
    }

    @Test("ingest, list, query, delete: the happy path and every client error as 4xx with a code")
    func referencesLifecycle() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            let golden = try ServiceFixture.crop(dx: 0, dy: 0)
            let added = try await client.send(.post, "/v1/categories/parts/references?meta.line=3", body: golden, contentType: "image/png",
                                              headers: [HTTPField.Name("Echo-Metadata")!: "{\"camera\": \"top\"}"])
            #expect(added.status == .created, "\(added.text)")
            #expect(added.json["status"] as? String == "added")
            let id = try #require(added.json["id"] as? Int)
            let sha = try #require(added.json["sha256"] as? String)
            #expect(FileManager.default.fileExists(atPath: service.app.uploadsDirectory + "/\(sha).png"), "uploads are named by their hash")
            let again = try await client.send(.post, "/v1/categories/parts/references", body: golden, contentType: "image/png")
            #expect(again.status == .ok && again.json["status"] as? String == "duplicate" && again.json["id"] as? Int == id)
            for (dx, dy) in [(4, 0), (0, 4), (4, 4)] {
                #expect(try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: dx, dy: dy)).status == .created)
            }
            let listed = try await client.send(.get, "/v1/categories/parts/references?limit=2")
            #expect(listed.status == .ok && listed.jsonArray.count == 2)
            #expect((listed.jsonArray.first?["metadata"] as? [String: String]) == ["line": "3", "camera": "top"])

            let query = try await client.send(.post, "/v1/categories/parts/query?k=2", body: try ServiceFixture.crop(dx: 1, dy: 1), contentType: "image/png")
            #expect(query.status == .ok)
            let matches = try #require(query.json["matches"] as? [[String: Any]])
            #expect(matches.count == 2 && ((matches[0]["similarity"] as? Double) ?? 0) > 0.9)

            let errors: [(HTTPRequest.Method, String, ByteBuffer?, String?, HTTPResponse.Status, String)] = [
                (.post, "/v1/categories/parts/query?k=0", golden, "image/png", .badRequest, "invalid_parameter"),
                (.post, "/v1/categories/parts/query?k=abc", golden, "image/png", .badRequest, "invalid_parameter"),
                (.post, "/v1/categories/nothing/query", golden, "image/png", .notFound, "unknown_category"),
                (.post, "/v1/categories/parts/query", ByteBuffer(string: "not an image at all"), "image/png", .badRequest, "bad_image"),
                (.post, "/v1/categories/parts/query", ByteBuffer(bytes: Array(golden.readableBytesView.prefix(300))), "image/png", .badRequest, "bad_image"),
                (.post, "/v1/categories/parts/query", nil, "image/png", .badRequest, "empty_body"),
                (.post, "/v1/categories/parts/query", golden, "text/plain", .unsupportedMediaType, "unsupported_media_type"),
                (.post, "/v1/categories/..%2F..%2Fetc/references", golden, "image/png", .badRequest, "invalid_category"),
                (.post, "/v1/categories/%2E%2E/query", golden, "image/png", .badRequest, "invalid_category"),
                (.post, "/v1/categories/parts/references?meta.bad%20key=1", golden, "image/png", .badRequest, "invalid_metadata"),
                (.post, "/v1/categories", ByteBuffer(string: "{\"name\": "), "application/json", .badRequest, "bad_json"),
                (.post, "/v1/categories", ByteBuffer(string: "{\"name\": \"ok\", \"index\": \"Nonsense99\"}"), "application/json", .badRequest, "invalid_index"),
                (.put, "/v1/categories", nil, nil, .methodNotAllowed, "method_not_allowed"),
                (.get, "/v1/categories/parts/query", nil, nil, .methodNotAllowed, "method_not_allowed"),
                (.delete, "/v1/references/abc", nil, nil, .badRequest, "http_400"),
                (.delete, "/v1/references/999999", nil, nil, .notFound, "unknown_reference"),
                (.get, "/v1/runs/424242", nil, nil, .notFound, "unknown_run"),
                (.get, "/v1/no-such-route", nil, nil, .notFound, "not_found"),
            ]
            let document = try await client.send(.get, "/openapi.json", token: nil).json
            for (method, uri, body, type, status, code) in errors {
                let response = try await client.send(method, uri, body: body, contentType: type)
                #expect(response.status == status && response.errorCode == code, "\(method) \(uri): \(response.status) \(response.text)")
                if let listed = Self.documentedCodes(document, method, uri), !code.hasPrefix("http_") {
                    #expect(listed[String(status.code)]?.contains(code) == true, "\(method) \(uri): \(code) is not in the document's x-error-codes \(listed)")
                }
            }
            let removed = try await client.send(.delete, "/v1/references/\(id)")
            #expect(removed.status == .ok && removed.json["id"] as? Int == id)
            #expect(try await client.send(.delete, "/v1/references/\(id)").status == .notFound)
        }
        #expect(try service.store.verify().isConsistent)
    }

    @Test("a golden sample's image is served with its type and its SHA-256 as ETag (304 when unchanged); a gone file or unknown id is 404")
    func referenceImages() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            let golden = try ServiceFixture.crop(dx: 0, dy: 0)
            let added = try await client.send(.post, "/v1/categories/parts/references", body: golden, contentType: "image/png")
            let id = try #require(added.json["id"] as? Int), sha = try #require(added.json["sha256"] as? String)
            let image = try await client.send(.get, "/v1/references/\(id)/image", token: ServiceFixture.reader)
            #expect(image.status == .ok && image.headers[.contentType] == "image/png" && image.headers[.eTag] == "\"\(sha)\"")
            #expect(Array(image.body.readableBytesView) == Array(golden.readableBytesView))
            let unchanged = try await client.send(.get, "/v1/references/\(id)/image", headers: [.ifNoneMatch: "\"\(sha)\""])
            #expect(unchanged.status == .notModified && unchanged.body.readableBytes == 0)
            #expect(try await client.send(.get, "/v1/references/\(id + 99)/image").errorCode == "unknown_reference")
            #expect(try await client.send(.get, "/v1/references/abc/image").status == .badRequest)
            // SQLite keeps features, not bytes: once the file is gone the image is too, said so.
            try FileManager.default.removeItem(atPath: service.app.uploadsDirectory + "/\(sha).png")
            let gone = try await client.send(.get, "/v1/references/\(id)/image")
            #expect(gone.status == .notFound && gone.errorCode == "unknown_reference" && gone.text.contains("no longer at"), "\(gone.text)")
        }
    }

    @Test("limits: a body over --max-body is 413, an image over --max-pixels is 413")
    func limits() async throws {
        let directory = try TemporaryDirectory()
        let small = try ServiceFixture.service(directory, configuration: ServiceFixture.configuration { $0.maxBodyBytes = 1000 })
        try await ServiceFixture.application(small).test(.router) { client in
            let response = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: 0, dy: 0), contentType: "image/png")
            #expect(response.status == .contentTooLarge && response.errorCode == "body_too_large", "\(response.status) \(response.text)")
        }
        let other = try TemporaryDirectory()
        let tiny = try ServiceFixture.service(other, configuration: ServiceFixture.configuration { $0.maxPixels = 100 * 100 })
        try await ServiceFixture.application(tiny).test(.router) { client in
            let response = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: 0, dy: 0), contentType: "image/png")
            #expect(response.status == .contentTooLarge && response.errorCode == "image_too_large", "\(response.text)")
        }
        #expect(try tiny.store.categories().isEmpty || (try tiny.store.statistics().allSatisfy { $0.liveReferences == 0 }))
    }

    @Test("a request whose work outlasts --request-timeout is a 503 with a code")
    func requestTimeout() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory, configuration: ServiceFixture.configuration { $0.requestTimeout = .microseconds(1) })
        try await ServiceFixture.application(service).test(.router) { client in
            let response = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: 0, dy: 0), contentType: "image/png")
            #expect(response.status == .serviceUnavailable && response.errorCode == "timeout", "\(response.text)")
        }
    }

    @Test("queries and inspections run concurrently with an ingesting writer, all answered, the store consistent after")
    func concurrentReadersAndWriter() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            for (dx, dy) in [(0, 0), (4, 0), (0, 4)] {
                #expect(try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: dx, dy: dy)).status == .created)
            }
            let query = try ServiceFixture.crop(dx: 1, dy: 1)
            let statuses = try await withThrowingTaskGroup(of: (String, HTTPResponse.Status).self) { group in
                for i in 0..<6 {
                    let body = try ServiceFixture.crop(dx: 6 + i, dy: 2 + i % 3)
                    group.addTask { ("ingest", try await client.send(.post, "/v1/categories/parts/references", body: body).status) }
                }
                for i in 0..<12 {
                    let route = i % 3 == 0 ? "inspect" : "query"
                    group.addTask { (route, try await client.send(.post, "/v1/categories/parts/\(route)", token: ServiceFixture.reader, body: query).status) }
                }
                var all: [(String, HTTPResponse.Status)] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == 18)
            #expect(statuses.filter { $0.0 == "ingest" }.allSatisfy { $0.1 == .created }, "\(statuses)")
            #expect(statuses.filter { $0.0 != "ingest" }.allSatisfy { $0.1 == .ok }, "\(statuses)")
        }
        let report = try service.store.verify()
        #expect(report.isConsistent && report.references == 9, "\(report.problems)")
    }

    @Test("inspect records a run; the run, knowledge and metrics are served")
    func inspectRunsKnowledgeMetrics() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            for (dx, dy) in [(0, 0), (4, 0), (0, 4), (4, 4), (8, 2)] {
                #expect(try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: dx, dy: dy)).status == .created)
            }
            _ = try service.app.calibrate(CalibrationRequest(category: "parts"))
            let clean = try await client.send(.post, "/v1/categories/parts/inspect", body: try ServiceFixture.crop(dx: 2, dy: 2), contentType: "image/png")
            #expect(clean.status == .ok, "\(clean.text)")
            let scratched = try await client.send(.post, "/v1/categories/parts/inspect", body: try ServiceFixture.crop(dx: 2, dy: 2, scratch: true))
            #expect(scratched.json["verdict"] as? String == "anomalous", "\(scratched.text.prefix(300))")
            let cleanScore = try #require((clean.json["result"] as? [String: Any])?["score"] as? Double)
            let scratchScore = try #require((scratched.json["result"] as? [String: Any])?["score"] as? Double)
            #expect(scratchScore > cleanScore)
            let runID = try #require(scratched.json["runID"] as? Int)
            let run = try await client.send(.get, "/v1/runs/\(runID)", token: ServiceFixture.reader)
            #expect(run.status == .ok)
            let results = try #require(run.json["results"] as? [[String: Any]])
            #expect(results.count == 1 && results[0]["verdict"] as? String == "anomalous")
            let status = try #require(run.json["status"] as? [String: Any])
            #expect(status["state"] as? String == "finished" && status["images"] as? Int == 1 && status["recorded"] as? Int == 1
                    && status["queued"] as? Bool == false && status["category"] as? String == "parts", "\(status)")
            #expect(try await client.send(.get, "/v1/runs/\(runID + 1000)").errorCode == "unknown_run")
            let queued = try await client.send(.post, "/v1/categories/parts/runs")
            #expect(queued.status == .conflict && queued.errorCode == "unsupported", "SQLite has no queue: \(queued.text)")
            #expect(try await client.send(.post, "/v1/categories/parts/runs", token: ServiceFixture.reader).status == .forbidden)

            let withoutModel = try await client.send(.post, "/v1/categories/parts/inspect?mllm=true", body: try ServiceFixture.crop(dx: 2, dy: 2, scratch: true))
            #expect((withoutModel.json["review"] as? [String: Any])?["decidedBy"] as? String == "vision expert (no MLLM configured)")

            let knowledge = try Data(contentsOf: URL(fileURLWithPath: ServiceFixture.knowledge))
            let imported = try await client.send(.post, "/v1/knowledge", body: ByteBuffer(bytes: knowledge), contentType: "application/json")
            #expect(imported.status == .ok && imported.json["entries"] as? Int == 6)
            let selected = try await client.send(.get, "/v1/knowledge/bottle?question=contamination", token: ServiceFixture.reader)
            #expect(selected.jsonArray.compactMap { $0["key"] as? String } == ["good", "contamination"])
            #expect(try await client.send(.get, "/v1/knowledge/gearbox").errorCode == "no_knowledge")
            #expect(try await client.send(.post, "/v1/knowledge", body: ByteBuffer(string: "[1, 2]")).errorCode == "bad_request")

            let metrics = try await client.send(.get, "/metrics", token: ServiceFixture.reader)
            #expect(metrics.status == .ok && metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("echo_references{category=\"parts\"} 5"))
            #expect(metrics.text.contains("echo_index_vectors{category=\"parts\"} 5"))
            #expect(metrics.text.contains("echo_http_requests_total{route=\"/v1/categories/{category}/inspect\",method=\"POST\",status=\"200\"} 3"))
            #expect(metrics.text.contains("echo_inspect_duration_seconds_count 3"))
            #expect(metrics.text.contains("echo_ingest_duration_seconds_count 5"))
            // Score drift of the recent normal verdicts against the calibration, as `stats` measures it.
            let drift = try #require(try ScoreDrift.recent(in: service.store, category: "parts"))
            #expect(drift.normalScores >= 1)
            #expect(metrics.text.contains("echo_score_drift_normal_scores{category=\"parts\"} \(Double(drift.normalScores))"))
            if let statistic = drift.ksStatistic {
                #expect(metrics.text.contains("echo_score_drift_ks_statistic{category=\"parts\"} \(statistic)"))
            } else {
                #expect(!metrics.text.contains("echo_score_drift_ks_statistic{"), "no statistic, no gauge")
            }
            #expect(metrics.text.contains("echo_score_drift_background_median{category=\"parts\"} \(try #require(drift.backgroundMedian))"))
            #expect(metrics.text.contains("echo_score_drift_detected{category=\"parts\"} \(drift.drifted ? "1.0" : "0.0")"))

            // A defective image uploaded as a golden sample is stored, with a warning.
            let suspicious = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: 3, dy: 1, scratch: true))
            #expect(suspicious.status == .created)
            let warnings = try #require(suspicious.json["warnings"] as? [String])
            #expect(warnings.count == 1 && warnings[0].contains("may be defective"))
            let clean2 = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: 6, dy: 6))
            #expect(clean2.status == .created && clean2.json["warnings"] == nil)
        }
    }

    @Test("configuration: tokens are required unless --no-auth, which needs loopback")
    func configurationRules() throws {
        var open = ServiceConfiguration()
        open.tokens = APITokens(readWrite: [])
        #expect(throws: ServiceError.self) { try open.validate() }
        open.tokens = nil
        try open.validate()
        open.host = "0.0.0.0"
        #expect(throws: ServiceError.self) { try open.validate() }
        open.tokens = APITokens(readWrite: ["t"])
        try open.validate()
    }

    @Test("tokens compare by digest; a token file gives read-write and read-only tokens and rejects bad lines")
    func tokens() throws {
        let tokens = APITokens(readWrite: ["alpha"], readOnly: ["beta", "alpha"])
        #expect(tokens.access(of: "alpha") == .readWrite)
        #expect(tokens.access(of: "beta") == .readOnly)
        #expect(tokens.access(of: "alph") == nil && tokens.access(of: "") == nil)
        let directory = try TemporaryDirectory()
        let file = directory.path + "/tokens"
        try "# Echo tokens\nrw one\n\nro two\n".write(toFile: file, atomically: true, encoding: .utf8)
        let loaded = try APITokens.fromFile(file)
        #expect(loaded.access(of: "one") == .readWrite && loaded.access(of: "two") == .readOnly && loaded.count == 2)
        try "rw one\nadmin secret\n".write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try APITokens.fromFile(file)
            Issue.record("expected an error")
        } catch let error as ServiceError {
            #expect(error.message.contains("line 2") && !error.message.contains("secret"))
        }
        let environment = APITokens.fromEnvironment(["ECHO_API_TOKENS": "a, b", "ECHO_API_READONLY_TOKENS": "c"])
        #expect(environment.count == 3 && environment.access(of: "b") == .readWrite && environment.access(of: "c") == .readOnly)
    }

    /// The `x-error-codes` the document gives the operation serving `method` `uri`; nil
    /// when no operation serves it.
    static func documentedCodes(_ document: [String: Any], _ method: HTTPRequest.Method, _ uri: String) -> [String: [String]]? {
        let segments = uri.split(separator: "?")[0].split(separator: "/", omittingEmptySubsequences: false)
        guard let paths = document["paths"] as? [String: [String: Any]] else { return nil }
        for (template, item) in paths {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count, zip(parts, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }),
                  let operation = item[method.rawValue.lowercased()] as? [String: Any] else { continue }
            return operation["x-error-codes"] as? [String: [String]]
        }
        return nil
    }
}
