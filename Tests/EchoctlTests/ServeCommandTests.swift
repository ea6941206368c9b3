import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("echoctl serve", .serialized)
struct ServeCommandTests {
    /// Starts `echoctl serve` on a free port and returns the process, its port and a
    /// reader of what it printed on standard error.
    static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Int, () -> String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(CommandRunner.binary))
        process.arguments = ["serve", "--port", "0"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let lock = NSLock()
        nonisolated(unsafe) var text = ""
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            lock.withLock { text += String(decoding: data, as: UTF8.self) }
        }
        let printed = { lock.withLock { text } }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            if let match = printed().firstMatch(of: /on http:\/\/127\.0\.0\.1:(\d+)/) { return (process, Int(match.1)!, printed) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        process.terminate()
        throw CommandError.notStarted(printed())
    }

    enum CommandError: Error { case notStarted(String) }

    static func request(_ method: String, _ url: String, token: String? = nil, body: Data? = nil, type: String? = nil,
                        headers: [String: String] = [:]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpMethod = method
        request.httpBody = body
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let type { request.setValue(type, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as! HTTPURLResponse).statusCode, data)
    }

    @Test("serves with tokens, refuses to start without any, stops on SIGTERM with its indexes saved")
    func serveAndStop() async throws {
        let store = try TemporaryDirectory()
        let refused = try CommandRunner.run(["serve", "--store", store.path, "--port", "0"], environment: ["ECHO_API_TOKENS": "", "ECHO_API_READONLY_TOKENS": ""])
        #expect(refused.status != 0 && refused.stderr.contains("ECHO_API_TOKENS"))
        let offLoopback = try CommandRunner.run(["serve", "--store", store.path, "--port", "0", "--no-auth", "--host", "0.0.0.0"])
        #expect(offLoopback.status != 0 && offLoopback.stderr.contains("loopback"))

        let (server, port, printed) = try Self.start(["--store", store.path], environment: ["ECHO_API_TOKENS": "t0ken"])
        let base = "http://127.0.0.1:\(port)"
        #expect(try await Self.request("GET", base + "/healthz").0 == 200)
        #expect(try await Self.request("GET", base + "/v1/categories").0 == 401)
        let image = try Data(contentsOf: URL(fileURLWithPath: Paths.fixture("Tests/EchoEmbeddingTests/Fixtures/coffee-224.png")))
        let (status, body) = try await Self.request("POST", base + "/v1/categories/cups/references", token: "t0ken", body: image, type: "image/png")
        #expect(status == 201, "\(String(decoding: body, as: UTF8.self))")
        server.terminate()  // SIGTERM, as a service manager stops it
        server.waitUntilExit()
        #expect(server.terminationStatus == 0, "\(printed())")
        #expect(printed().contains("indexes saved"))
        let indexes = try FileManager.default.contentsOfDirectory(atPath: store.path + "/indexes")
        #expect(indexes.contains { $0.hasSuffix(".faiss") })
        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
