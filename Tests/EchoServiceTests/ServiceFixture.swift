@_exported import EchoTestSupport
import EchoEmbedding
import EchoExperts
import EchoImaging
import EchoService
import EchoStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

enum ServiceFixture {
    static let photo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EchoEmbeddingTests/Fixtures/chelsea.jpg").standardized.path
    static let knowledge = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../EchoExpertsTests/Fixtures/domain_knowledge_excerpt.json").standardized.path
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let embedder = Result { () throws(EmbeddingError) in try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment)) }
    static let writer = "Bearer rw-secret", reader = "Bearer ro-secret"

    /// A 160×160 crop of the real photo at an offset, as PNG bytes.
    static func crop(dx: Int, dy: Int, scratch: Bool = false) throws -> ByteBuffer {
        let source = try ImageDecoder().decodeFile(atPath: photo)
        var pixels: [UInt8] = []
        for y in 0..<160 {
            for x in 0..<160 {
                for c in 0..<3 {
                    let onScratch = scratch && abs((x - 90) - (y - 90)) <= 3 && x >= 90 && x < 150
                    pixels.append(onScratch ? (c == 0 ? 250 : 10) : source[140 + dx + x, 60 + dy + y, c])
                }
            }
        }
        return ByteBuffer(bytes: try ImageEncoder.png(try Image(width: 160, height: 160, format: .rgb, pixels: pixels)))
    }

    static func configuration(_ change: (inout ServiceConfiguration) -> Void = { _ in }) -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        configuration.tokens = APITokens(readWrite: ["rw-secret"], readOnly: ["ro-secret"])
        change(&configuration)
        return configuration
    }

    static func service(_ directory: TemporaryDirectory, panel: ExpertPanel? = nil,
                        configuration: ServiceConfiguration = ServiceFixture.configuration()) throws -> ServiceContext {
        let store = try ReferenceStore(directory: directory.path + "/store", logger: logger)
        return ServiceContext(store: store, embedder: try embedder.get(), panel: panel, configuration: configuration, logger: logger)
    }

    static func application(_ service: ServiceContext) -> some ApplicationProtocol {
        Application(router: EchoServer.buildRouter(service).router, logger: logger)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:] }
    /// The body as a JSON array.
    var jsonArray: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]]) ?? [] }
    /// The stable error code of an error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    /// A request with the read-write token unless told otherwise.
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = ServiceFixture.writer, body: ByteBuffer? = nil,
              contentType: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = token }
        if let contentType { headers[.contentType] = contentType }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}
