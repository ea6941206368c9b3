import ArgumentParser
import EchoApplication
import EchoExperts
import EchoService
import EchoStore
import Foundation
import Hummingbird

/// `echoctl serve`: the store and the inspection pipeline as an HTTP service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the reference database and inspection over HTTP (OpenAPI at /openapi.json).",
        discussion: """
            Bearer tokens come from ECHO_API_TOKENS (read-write) and ECHO_API_READONLY_TOKENS (read-only), comma-separated, \
            or --token-file (lines `rw TOKEN` / `ro TOKEN`). --no-auth serves without them, on loopback only. SIGTERM or \
            SIGINT stops taking connections, lets requests in flight finish, then saves the indexes.
            """)

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one and prints it).") var port = 8080
    @Option(help: "A file of tokens, one `rw TOKEN` or `ro TOKEN` per line.") var tokenFile: String?
    @Flag(help: "Serve without authentication (loopback only).") var noAuth = false
    @Option(help: "Largest request body, in bytes.") var maxBody = 32 << 20
    @Option(help: "Seconds a request's work may take before 503.") var requestTimeout: Double = 60
    @Option(help: "Seconds between checks that the loaded indexes are current (other nodes' or processes' writes).") var refresh: Double = 5
    @Flag(help: "Do not LISTEN for other nodes' commits (PostgreSQL); rely on the --refresh poll.") var noNotify = false
    @OptionGroup var moduleOptions: ModuleOptions
    @OptionGroup var mllm: MLLMOptions
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        guard requestTimeout > 0, maxBody > 0 else { throw ValidationError("limits must be positive") }
    }

    func run() async throws {
        let logger = runtime.prepare(label: "serve")
        var configuration = ServiceConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxBodyBytes = maxBody
        configuration.maxPixels = runtime.maxPixels
        configuration.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        if !noAuth {
            var tokens = APITokens.fromEnvironment(ProcessInfo.processInfo.environment)
            if let tokenFile { tokens = tokens.merging(try APITokens.fromFile(tokenFile)) }
            configuration.tokens = tokens
        }
        do {
            try configuration.validate()
        } catch let error as ServiceError {
            throw ValidationError(error.message)
        }
        let embedder = try embedderOptions.load()
        let store = try storeOptions.open(.readWrite, logger: logger)
        let model = try mllm.client(logger: logger)
        let modules = moduleOptions.parsed
        let panel = model.map { ExpertPanel(model: $0, knowledge: KnowledgeGuide(store: store), modules: modules, logger: logger) }
        let service = ServiceContext(store: store, embedder: embedder, panel: panel, configuration: configuration, logger: logger)
        let tokenCount = configuration.tokens?.count
        let host = configuration.host
        let app = try EchoServer.buildApplication(service) { port in
            printError("echo: serving \(store.backend.location) on http://\(host):\(port) (\(tokenCount.map { "\($0) token(s)" } ?? "no auth")\(model.map { ", MLLM \($0.name)" } ?? ""))")
            printError("echo: web console at http://\(host.contains(":") ? "[\(host)]" : host):\(port)/")
        }
        let freshness = CacheFreshness(store: store, poll: .milliseconds(Int64(max(0.05, refresh) * 1000)), notifications: !noNotify, logger: logger)
        freshness.start()
        try await app.runService()
        freshness.stop()
        do {
            try store.saveIndexes()
        } catch {
            throw EchoError(.storeFailed, "stopped, but saving the indexes failed: \(error.message); they are rebuilt from SQLite on the next open", cause: error)
        }
        printError("echo: stopped; indexes saved")
    }
}
