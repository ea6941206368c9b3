import EchoStore
import Foundation
import Testing

/// The same bad input through the library, the CLI and HTTP gets the same error: the same
/// code (`invalid category name`, `invalid_category` over HTTP) and the same message.
@Suite("One rule at every entrance", .serialized)
struct InputRuleParityTests {
    static let image = Paths.fixture("Tests/EchoEmbeddingTests/Fixtures/coffee-224.png")

    @Test("a category name with a space: the library, `echoctl ingest` and HTTP refuse it alike, and nothing is created")
    func categoryNameParity() async throws {
        let name = "bottle caps"
        var expected = ""
        do {
            try CategoryName.validate(name)
            Issue.record("the library accepted \(name)")
        } catch {
            #expect(error.code == .invalidCategoryName)
            expected = error.message
        }
        #expect(expected.contains("for example \"bottle-caps\""))

        let store = try TemporaryDirectory()
        let cli = try CommandRunner.run(["ingest", Self.image, "--category", name, "--store", store.path])
        #expect(cli.status == 65, "bad input exits EX_DATAERR")
        #expect(cli.stderr.contains("Error: invalid_category: " + expected), "the CLI prints the HTTP code and the same message: \(cli.stderr)")

        let (server, port, printed) = try ServeCommandTests.start(["--store", store.path, "--no-auth"])
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        for (method, path, body, type) in [
            ("POST", "/v1/categories", Data("{\"name\": \"bottle caps\"}".utf8), "application/json"),
            ("POST", "/v1/categories/bottle%20caps/references", try Data(contentsOf: URL(fileURLWithPath: Self.image)), "image/png"),
            ("GET", "/v1/categories/bottle%20caps/references", Data(), "application/json"),
        ] {
            let (status, data) = try await ServeCommandTests.request(method, base + path, body: method == "GET" ? nil : body, type: type)
            let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(printed())")
            let error = try #require(answer["error"] as? [String: Any])
            #expect(status == 400, "\(method) \(path)")
            #expect(error["code"] as? String == "invalid_category", "\(answer)")
            #expect(error["message"] as? String == expected, "the path is percent-decoded before the check: \(answer)")
        }
        let categories = try CommandRunner.run(["categories", "--store", store.path, "--json"])
        #expect(categories.status == 0 && !categories.stdout.contains("bottle"), "\(categories.stdout)")
    }

    @Test("a metadata key with a space: the library, `echoctl ingest --meta` and an HTTP upload refuse it alike, before any work")
    func metadataParity() async throws {
        var expected = ""
        do {
            try MetadataRule.validate(["line no": "3"])
            Issue.record("the library accepted the key")
        } catch {
            #expect(error.code == .invalidMetadata)
            expected = error.message
        }
        #expect(expected.contains("\"line no\"") && expected.contains("ASCII letters"))
        let store = try TemporaryDirectory()
        let cli = try CommandRunner.run(["ingest", Self.image, "--category", "cups", "--meta", "line no=3", "--store", store.path])
        #expect(cli.status == 65 && cli.stderr.contains("Error: invalid_metadata: " + expected), "\(cli.stderr)")
        let filter = try CommandRunner.run(["query", Self.image, "--category", "cups", "--where", "line no=3", "--store", store.path])
        #expect(filter.status == 65 && filter.stderr.contains("Error: invalid_metadata: " + expected), "\(filter.stderr)")

        let (server, port, printed) = try ServeCommandTests.start(["--store", store.path, "--no-auth"])
        defer { server.terminate(); server.waitUntilExit() }
        let (status, data) = try await ServeCommandTests.request(
            "POST", "http://127.0.0.1:\(port)/v1/categories/cups/references", body: try Data(contentsOf: URL(fileURLWithPath: Self.image)),
            type: "image/png", headers: ["Echo-Metadata": "{\"line no\": \"3\"}"])
        let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(printed())")
        let error = try #require(answer["error"] as? [String: Any])
        #expect(status == 400 && error["code"] as? String == "invalid_metadata" && error["message"] as? String == expected, "\(answer)")
        let categories = try CommandRunner.run(["categories", "--store", store.path])
        #expect(!categories.stdout.contains("cups"), "nothing created: \(categories.stdout)")
    }

    @Test("an index description Echo does not build: the library, `echoctl ingest --index` and HTTP refuse it alike")
    func indexParity() async throws {
        var expected = ""
        do {
            try IndexSpecificationRule.validate("HNSW1000")
            Issue.record("the library accepted HNSW1000")
        } catch {
            #expect(error.code == .invalidIndex)
            expected = error.message
        }
        #expect(IndexSpecificationRule.isValid("IVF64,Flat") && IndexSpecificationRule.isValid("HNSW32") && !IndexSpecificationRule.isValid("IVF0,Flat"))
        let store = try TemporaryDirectory()
        let cli = try CommandRunner.run(["ingest", Self.image, "--category", "cups", "--index", "HNSW1000", "--store", store.path])
        #expect(cli.status != 0 && cli.stderr.contains("Error: invalid_index: " + expected), "\(cli.stderr)")
        let (server, port, printed) = try ServeCommandTests.start(["--store", store.path, "--no-auth"])
        defer { server.terminate(); server.waitUntilExit() }
        let (status, data) = try await ServeCommandTests.request("POST", "http://127.0.0.1:\(port)/v1/categories",
                                                                 body: Data("{\"name\": \"cups\", \"index\": \"HNSW1000\"}".utf8), type: "application/json")
        let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(printed())")
        let error = try #require(answer["error"] as? [String: Any])
        #expect(status == 400 && error["code"] as? String == "invalid_index" && error["message"] as? String == expected, "\(answer)")
    }

    @Test("rename-category is the way out for a name the rule refuses, and says why when the new name is bad too")
    func renameThroughCLI() throws {
        let store = try TemporaryDirectory()
        #expect(try CommandRunner.run(["ingest", Self.image, "--category", "cups", "--store", store.path]).status == 0)
        let bad = try CommandRunner.run(["rename-category", "cups", "coffee cups", "--store", store.path])
        #expect(bad.status != 0 && bad.stderr.contains("invalid_category") && bad.stderr.contains("coffee-cups"))
        let renamed = try CommandRunner.run(["rename-category", "cups", "coffee-cups", "--store", store.path])
        #expect(renamed.status == 0 && renamed.stdout.contains("renamed category \"cups\" to \"coffee-cups\""), "\(renamed.stderr)")
        let list = try CommandRunner.run(["list", "--category", "coffee-cups", "--store", store.path])
        #expect(list.status == 0 && list.stdout.contains("coffee-224.png"), "\(list.stdout)\(list.stderr)")
    }

    @Test("ingest DIR takes symlinked image files, and a folder without images is an error that says so")
    func symlinksAndNothingToIngest() throws {
        let work = try TemporaryDirectory()
        let split = work.path + "/split"
        try FileManager.default.createDirectory(atPath: split, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: split + "/cup.png", withDestinationPath: Self.image)
        try FileManager.default.createSymbolicLink(atPath: split + "/loop", withDestinationPath: split)
        let store = work.path + "/store"
        let ingest = try CommandRunner.run(["ingest", split, "--category", "cups", "--store", store, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any]
        let files = report?["files"] as? [[String: Any]] ?? []
        #expect(files.count == 1 && files.first?["status"] as? String == "added", "the link, once; the directory link not followed: \(ingest.stdout)")

        let empty = work.path + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: empty + "/notes.txt"))
        let nothing = try CommandRunner.run(["ingest", empty, "--category", "other", "--store", store])
        #expect(nothing.status != 0)
        #expect(nothing.stderr.contains("no PNG or JPEG files") && nothing.stderr.contains(empty), "\(nothing.stderr)")
        let categories = try CommandRunner.run(["categories", "--store", store])
        #expect(!categories.stdout.contains("other"), "nothing created")
    }

    @Test("one pixel limit, k range and unknown category: the use case, `echoctl` and HTTP give the same code and message")
    func limitsParity() async throws {
        let work = try TemporaryDirectory()
        let store = work.path + "/store"
        #expect(try CommandRunner.run(["ingest", Self.image, "--category", "cups", "--store", store]).status == 0)
        let image = try Data(contentsOf: URL(fileURLWithPath: Self.image))
        let (limited, limitedPort, printed) = try ServeCommandTests.start(["--store", store, "--no-auth", "--max-pixels", "100"])
        defer { limited.terminate(); limited.waitUntilExit() }
        // A second service (on a store of its own: one writer per store) without the limit.
        let (server, port, _) = try ServeCommandTests.start(["--store", work.path + "/other", "--no-auth"])
        defer { server.terminate(); server.waitUntilExit() }
        func http(_ path: String) async throws -> (status: Int, code: String?, message: String?) {
            let base = "http://127.0.0.1:\(path.contains("/cups/") ? limitedPort : port)"
            let (status, data) = try await ServeCommandTests.request("POST", base + path, body: image, type: "image/png")
            let error = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? [String: Any]
            return (status, error?["code"] as? String, error?["message"] as? String)
        }
        for (cli, path, code, exit) in [
            (["query", Self.image, "--category", "cups", "--max-pixels", "100"], "/v1/categories/cups/query", "image_too_large", Int32(65)),
            (["query", Self.image, "--category", "nope"], "/v1/categories/nope/inspect?mllm=false", "unknown_category", Int32(66)),
        ] {
            let run = try CommandRunner.run(cli + ["--store", store])
            let answer = try await http(path)
            #expect(answer.code == code, "\(answer) \(printed())")
            #expect(run.status == exit && run.stderr.contains("Error: \(code): "), "\(run.stderr)")
            if code == "image_too_large", let message = answer.message {
                #expect(run.stderr.contains(message), "the same message: \(run.stderr) vs \(message)")
            }
        }
        let k = try CommandRunner.run(["query", Self.image, "--category", "cups", "-k", "0", "--store", store])
        let answer = try await http("/v1/categories/cups/query?k=0")
        #expect(answer.status == 400 && answer.code == "invalid_parameter")
        #expect(k.status == 65 && k.stderr.contains("Error: invalid_parameter: k must be an integer in 1…"), "\(k.stderr)")
    }
}
