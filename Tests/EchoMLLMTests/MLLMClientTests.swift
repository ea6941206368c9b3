import EchoMLLM
import FakeMLLMServer
import Foundation
import Logging
import Testing

/// A 1×1 PNG (what an encoder writes), for image parts.
let tinyPNG = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")!
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

func client(_ url: String, timeout: Duration = .seconds(10), retries: Int = 3, key: String? = nil) throws -> MLLMClient {
    var configuration = MLLMConfiguration(url: url, model: "qwen2-vl-test", apiKey: key)
    configuration.timeout = timeout
    configuration.maxRetries = retries
    configuration.initialBackoff = .milliseconds(20)
    return try MLLMClient(configuration: configuration, logger: quietLogger)
}

let question = [
    ChatMessage(role: .system, text: "You inspect products."),
    ChatMessage(role: .user, parts: [.text("Is there a defect?"), .image(tinyPNG, mimeType: "image/png")]),
]

@Suite("The MLLM client")
struct MLLMClientTests {
    @Test("a request carries the model, roles, text and a decodable image, and the answer comes back")
    func roundTrip() async throws {
        try await FakeMLLMServer.run(script: { _ in .answer("B") }) { url, server in
            let answer = try await client(url, key: "sk-secret").complete(question)
            #expect(answer.text == "B")
            #expect(answer.attempts == 1)
            #expect(answer.model == "qwen2-vl-test")
            #expect(answer.promptTokens == 10)
            let seen = try #require(server.requests.first)
            #expect(seen.roles == ["system", "user"])
            #expect(seen.texts == ["You inspect products.", "Is there a defect?"])
            #expect(seen.images == [tinyPNG])
            #expect(seen.authorization == "Bearer sk-secret")
            #expect(server.violations.isEmpty)
        }
    }

    @Test("content given as a list of text parts is joined")
    func contentParts() async throws {
        try await FakeMLLMServer.run(script: { _ in .answerParts(["The answer", " is A."]) }) { url, _ in
            let answer = try await client(url).complete(question)
            #expect(answer.text == "The answer is A.")
        }
    }

    @Test("a 429 and then a 503 are retried, honouring Retry-After, and the third try succeeds")
    func retriesRateLimitsAndServerErrors() async throws {
        try await FakeMLLMServer.run(script: { request in
            switch request.index {
            case 0: .status(429, message: "slow down", retryAfterSeconds: 1)
            case 1: .status(503, message: "loading model")
            default: .answer("A")
            }
        }) { url, server in
            let started = ContinuousClock.now
            let answer = try await client(url).complete(question)
            #expect(answer.text == "A")
            #expect(answer.attempts == 3)
            #expect(server.requests.count == 3)
            #expect(ContinuousClock.now - started >= .seconds(1), "Retry-After: 1 must be waited")
        }
    }

    @Test("persistent 500s fail after the configured retries with the server's message")
    func persistentServerError() async throws {
        try await FakeMLLMServer.run(script: { _ in .status(500, message: "CUDA out of memory") }) { url, server in
            let error = try #require(await mllmError { try await client(url, retries: 2).complete(question) })
            do {
                #expect(error.code == .http)
                #expect(error.status == 500)
                #expect(error.message.contains("CUDA out of memory"))
                #expect(error.message.contains(url))
            }
            #expect(server.requests.count == 3)
        }
    }

    @Test("a 400 is not retried")
    func clientErrorNotRetried() async throws {
        try await FakeMLLMServer.run(script: { _ in .status(400, message: "image too large") }) { url, server in
            await #expect(throws: MLLMError.self) { try await client(url).complete(question) }
            #expect(server.requests.count == 1)
        }
    }

    @Test("an answer slower than the timeout is a timeout error, not retried")
    func timeout() async throws {
        // Were the timeout ignored, the answer would arrive after 5 s and the call succeed.
        try await FakeMLLMServer.run(script: { _ in .delayed(.seconds(5), .answer("A")) }) { url, server in
            let error = try #require(await mllmError { try await client(url, timeout: .milliseconds(400)).complete(question) })
            #expect(error.code == .timeout, "\(error)")
            #expect(server.requests.count == 1)
        }
    }

    @Test("malformed JSON and a completion without choices are bad responses")
    func malformedAnswers() async throws {
        for body in ["{\"choices\": [", "{\"object\": \"chat.completion\", \"choices\": []}", "<html>gateway</html>"] {
            try await FakeMLLMServer.run(script: { _ in .rawBody(body) }) { url, _ in
                let error = try #require(await mllmError { try await client(url).complete(question) }, "\(body)")
                #expect(error.code == .badResponse, "\(error)")
            }
        }
    }

    @Test("an empty answer comes back as empty text for the caller to judge")
    func emptyAnswer() async throws {
        try await FakeMLLMServer.run(script: { _ in .answer("") }) { url, _ in
            let answer = try await client(url).complete(question)
            #expect(answer.text == "")
        }
    }

    @Test("a closed port is a connection error naming the endpoint, after retries")
    func connectionRefused() async throws {
        // Bind a port, then close it, so nothing listens there.
        let port = try freePort()
        let error = try #require(await mllmError { try await client("http://127.0.0.1:\(port)/v1", retries: 1).complete(question) })
        #expect(error.code == .connection, "\(error)")
        #expect(error.message.contains("127.0.0.1:\(port)"))
    }

    @Test("cancelling the task cancels the request")
    func cancellation() async throws {
        try await FakeMLLMServer.run(script: { _ in .delayed(.seconds(5), .answer("A")) }) { url, _ in
            let model = try client(url, timeout: .seconds(30))
            let task = Task { try await model.complete(question) }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            // Were cancellation ignored, the answer would arrive after 5 s and succeed.
            let result = await task.result
            guard case .failure(let error) = result else { Issue.record("expected cancellation"); return }
            #expect((error as? MLLMError)?.code == .cancelled, "\(error)")
        }
    }
}

@Suite("MLLM configuration")
struct MLLMConfigurationTests {
    @Test("the environment gives URL, model and key; a URL without a model is an error; none is nil")
    func environment() throws {
        let configuration = try #require(try MLLMConfiguration.fromEnvironment(
            ["ECHO_MLLM_URL": "http://gpu:8000/v1", "ECHO_MLLM_MODEL": "Qwen/Qwen2-VL-7B-Instruct", "ECHO_MLLM_API_KEY": "sk-123"]))
        #expect(configuration.model == "Qwen/Qwen2-VL-7B-Instruct")
        #expect(configuration.apiKey == "sk-123")
        #expect(!configuration.description.contains("sk-123"), "the key must never be printed")
        #expect(try MLLMConfiguration.fromEnvironment([:]) == nil)
        #expect(throws: MLLMError.self) { try MLLMConfiguration.fromEnvironment(["ECHO_MLLM_URL": "http://gpu:8000/v1"]) }
    }

    @Test("a base URL gets /chat/completions, a full one is kept, a bad one is refused")
    func endpoints() throws {
        #expect(try MLLMConfiguration(url: "http://h:8000/v1/", model: "m").endpoint().absoluteString == "http://h:8000/v1/chat/completions")
        #expect(try MLLMConfiguration(url: "http://h:11434/v1/chat/completions", model: "m").endpoint().absoluteString == "http://h:11434/v1/chat/completions")
        for bad in ["localhost:8000", "ftp://h/v1", "not a url", ""] {
            #expect(throws: MLLMError.self) { try MLLMConfiguration(url: bad, model: "m").endpoint() }
        }
    }
}

/// The MLLMError `body` throws; nil (and a recorded issue) when it throws nothing or
/// something else.
func mllmError(_ body: () async throws -> ChatCompletion) async -> MLLMError? {
    do {
        _ = try await body()
        Issue.record("expected an MLLMError")
        return nil
    } catch let error as MLLMError {
        return error
    } catch {
        Issue.record("expected an MLLMError, got \(error)")
        return nil
    }
}

/// A loopback port nothing listens on (bound, then closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
