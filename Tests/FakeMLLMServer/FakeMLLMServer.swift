import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A chat-completions request as the fake server saw it, after checking its shape.
public struct FakeRequest: Sendable {
    /// The model named in the request.
    public let model: String
    /// Each message's role, in order.
    public let roles: [String]
    /// Each message's text parts joined with newlines, in order.
    public let texts: [String]
    /// The decoded bytes of every image part, in order.
    public let images: [Data]
    /// The Authorization header, if any.
    public let authorization: String?
    /// The request's position among all requests to this server (0-based).
    public let index: Int
    /// Each message's parts in order (a plain-string content is one text part).
    public let parts: [[FakePart]]
    /// The request's `max_tokens` and `temperature`, when it set them.
    public let maxTokens: Int?
    public let temperature: Double?

    /// All text of all messages.
    public var allText: String { texts.joined(separator: "\n") }
    /// The text of the last user message.
    public var lastUserText: String { Array(zip(roles, texts)).last { $0.0 == "user" }?.1 ?? "" }
}

/// One part of a request's message.
public enum FakePart: Sendable, Equatable {
    case text(String)
    case image(Data)
}

/// What the fake server answers.
public enum FakeReply: Sendable {
    /// A well-formed chat completion whose content is the string.
    case answer(String)
    /// A completion whose content is a list of text parts (some servers answer that way).
    case answerParts([String])
    /// An HTTP error status with an OpenAI-style error body and an optional Retry-After.
    case status(Int, message: String, retryAfterSeconds: Int? = nil)
    /// A 200 whose body is this text verbatim (malformed JSON, say).
    case rawBody(String)
    /// Waits, then answers.
    indirect case delayed(Duration, FakeReply)
}

/// A loopback OpenAI-compatible chat-completions server with scripted answers. It checks
/// every request's shape (model, roles, text and image parts, images that decode as
/// base64 PNG or JPEG) and answers 400 when it is wrong, recording what was wrong.
public final class FakeMLLMServer: Sendable {
    private let log = Log()
    private let script: @Sendable (FakeRequest) async -> FakeReply

    private init(script: @escaping @Sendable (FakeRequest) async -> FakeReply) {
        self.script = script
    }

    /// Requests seen so far, in arrival order.
    public var requests: [FakeRequest] { log.requests }
    /// Shape problems found in requests (a correct client causes none).
    public var violations: [String] { log.violations }

    /// Runs a server with `script` on a free loopback port for the duration of `body`,
    /// passing the API base URL (`http://127.0.0.1:PORT/v1`).
    public static func run<T: Sendable>(script: @escaping @Sendable (FakeRequest) async -> FakeReply,
                                        _ body: @Sendable (String, FakeMLLMServer) async throws -> T) async throws -> T {
        let server = FakeMLLMServer(script: script)
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let bytes = try await request.body.collect(upTo: 64 << 20)
            return await server.respond(to: Data(bytes.readableBytesView), authorization: request.headers[.authorization])
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port!)/v1", server)
        }
    }

    private func respond(to body: Data, authorization: String?) async -> Response {
        let index = log.nextIndex()
        let request: FakeRequest
        switch Self.check(body, authorization: authorization, index: index) {
        case .success(let checked): request = checked
        case .failure(let problem):
            log.violation(problem.message)
            return Self.json(status: .badRequest, ["error": ["message": problem.message, "type": "invalid_request_error"]])
        }
        log.record(request)
        return await reply(script(request), model: request.model)
    }

    private func reply(_ reply: FakeReply, model: String) async -> Response {
        switch reply {
        case .answer(let text):
            return Self.json(status: .ok, Self.completion(content: text, model: model))
        case .answerParts(let parts):
            return Self.json(status: .ok, Self.completion(content: parts.map { ["type": "text", "text": $0] }, model: model))
        case .status(let code, let message, let retryAfter):
            var response = Self.json(status: HTTPResponse.Status(code: code), ["error": ["message": message]])
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        case .rawBody(let text):
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .delayed(let wait, let then):
            try? await Task.sleep(for: wait)
            return await self.reply(then, model: model)
        }
    }

    private static func completion(content: Any, model: String) -> [String: Any] {
        ["id": "chatcmpl-fake", "object": "chat.completion", "model": model,
         "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
         "usage": ["prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11]]
    }

    private static func json(status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct Problem: Error { let message: String }

    /// The request's shape as the OpenAI protocol defines it.
    static func check(_ body: Data, authorization: String?, index: Int) -> Result<FakeRequest, Problem> {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .failure(Problem(message: "the body is not a JSON object"))
        }
        guard let model = object["model"] as? String, !model.isEmpty else { return .failure(Problem(message: "no model")) }
        guard let messages = object["messages"] as? [[String: Any]], !messages.isEmpty else {
            return .failure(Problem(message: "no messages"))
        }
        if let temperature = object["temperature"], !(temperature is NSNumber) { return .failure(Problem(message: "temperature is not a number")) }
        if let maxTokens = object["max_tokens"], !(maxTokens is NSNumber) { return .failure(Problem(message: "max_tokens is not a number")) }
        var roles: [String] = [], texts: [String] = [], images: [Data] = [], allParts: [[FakePart]] = []
        for (i, message) in messages.enumerated() {
            guard let role = message["role"] as? String, ["system", "user", "assistant"].contains(role) else {
                return .failure(Problem(message: "message \(i) has no valid role"))
            }
            roles.append(role)
            if let text = message["content"] as? String {
                texts.append(text)
                allParts.append([.text(text)])
                continue
            }
            guard let parts = message["content"] as? [[String: Any]], !parts.isEmpty else {
                return .failure(Problem(message: "message \(i) has neither text nor a list of parts"))
            }
            if role != "user", parts.contains(where: { $0["type"] as? String == "image_url" }) {
                return .failure(Problem(message: "message \(i): only user messages may carry images"))
            }
            var messageTexts: [String] = [], messageParts: [FakePart] = []
            for part in parts {
                switch part["type"] as? String {
                case "text":
                    guard let text = part["text"] as? String else { return .failure(Problem(message: "message \(i): a text part without text")) }
                    messageTexts.append(text)
                    messageParts.append(.text(text))
                case "image_url":
                    guard let url = (part["image_url"] as? [String: Any])?["url"] as? String else {
                        return .failure(Problem(message: "message \(i): an image part without image_url.url"))
                    }
                    guard let image = decodeDataURL(url) else {
                        return .failure(Problem(message: "message \(i): the image is not a base64 PNG or JPEG data URL"))
                    }
                    images.append(image)
                    messageParts.append(.image(image))
                default:
                    return .failure(Problem(message: "message \(i): unknown part type \(part["type"] ?? "none")"))
                }
            }
            texts.append(messageTexts.joined(separator: "\n"))
            allParts.append(messageParts)
        }
        return .success(FakeRequest(model: model, roles: roles, texts: texts, images: images, authorization: authorization, index: index,
                                    parts: allParts, maxTokens: (object["max_tokens"] as? NSNumber)?.intValue,
                                    temperature: (object["temperature"] as? NSNumber)?.doubleValue))
    }

    static func decodeDataURL(_ url: String) -> Data? {
        for (prefix, magic) in [("data:image/png;base64,", [UInt8]([0x89, 0x50, 0x4E, 0x47])), ("data:image/jpeg;base64,", [0xFF, 0xD8, 0xFF])] {
            if url.hasPrefix(prefix), let data = Data(base64Encoded: String(url.dropFirst(prefix.count))), data.starts(with: magic) {
                return data
            }
        }
        return nil
    }

    private final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var _requests: [FakeRequest] = []
        private var _violations: [String] = []
        private var count = 0

        var requests: [FakeRequest] { lock.withLock { _requests } }
        var violations: [String] { lock.withLock { _violations } }
        func nextIndex() -> Int { lock.withLock { defer { count += 1 }; return count } }
        func record(_ request: FakeRequest) { lock.withLock { _requests.append(request) } }
        func violation(_ message: String) { lock.withLock { _violations.append(message) } }
    }
}
