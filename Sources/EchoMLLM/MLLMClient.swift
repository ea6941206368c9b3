import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A chat-completions client over HTTP (AsyncHTTPClient): sends text and image parts,
/// waits at most the configured timeout per request, retries 429s, 5xx answers and
/// dropped connections with exponential backoff (honouring `Retry-After`), and stops
/// when the calling task is cancelled. The API key goes only into the Authorization
/// header; logs carry the endpoint, model, attempt and status.
public struct MLLMClient: ChatModel {
    public let configuration: MLLMConfiguration
    private let endpoint: URL
    private let http: HTTPClient
    private let logger: Logger

    /// The process-wide HTTP client for MLLM calls, never shut down (like
    /// `HTTPClient.shared`): a refused connection fails at once, to be retried by this
    /// client's own backoff, instead of AsyncHTTPClient retrying it until the deadline;
    /// connecting may take at most 10 s.
    public static let defaultHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// A client for `configuration`, on `http` (`defaultHTTPClient` unless given).
    /// - Throws: `.invalidConfiguration` for a bad URL or timeout.
    public init(configuration: MLLMConfiguration, http: HTTPClient = MLLMClient.defaultHTTPClient, logger: Logger) throws(MLLMError) {
        endpoint = try configuration.endpoint()
        guard configuration.timeout > .zero else {
            throw MLLMError(.invalidConfiguration, "the MLLM timeout must be positive")
        }
        guard configuration.maxTokens > 0 else {
            throw MLLMError(.invalidConfiguration, "max tokens must be at least 1")
        }
        self.configuration = configuration
        self.http = http
        self.logger = logger
    }

    public var name: String { "\(configuration.model) at \(configuration.url)" }

    public func complete(_ messages: [ChatMessage], maxTokens: Int?) async throws(MLLMError) -> ChatCompletion {
        let body = try ChatCompletionsWire.encode(messages, configuration: configuration, maxTokens: maxTokens)
        var attempt = 0
        var backoff = configuration.initialBackoff
        while true {
            attempt += 1
            if Task.isCancelled { throw MLLMError(.cancelled, "the request to \(endpoint.absoluteString) was cancelled") }
            do {
                return try decode(try await send(body), attempts: attempt)
            } catch let error where error.isRetryable && attempt <= configuration.maxRetries {
                let wait = min(error.retryAfter ?? backoff, .seconds(30))
                logger.warning("MLLM request failed, retrying", metadata: [
                    "endpoint": "\(endpoint.absoluteString)", "attempt": "\(attempt)", "error": "\(error.code)",
                    "status": "\(error.status.map(String.init) ?? "-")", "wait": "\(wait)",
                ])
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    throw MLLMError(.cancelled, "the request to \(endpoint.absoluteString) was cancelled while waiting to retry")
                }
                backoff = min(backoff * 2, .seconds(30))
            } catch {
                throw error.failure
            }
        }
    }

    /// One request; the body of a 2xx answer.
    private func send(_ body: Data) async throws(RetryableFailure) -> Data {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let seconds = configuration.timeout.components.seconds
        let timeout = TimeAmount.nanoseconds(seconds * 1_000_000_000 + configuration.timeout.components.attoseconds / 1_000_000_000)
        let deadline = NIODeadline.now() + timeout
        logger.debug("MLLM request", metadata: ["endpoint": "\(endpoint.absoluteString)", "model": "\(configuration.model)", "bytes": "\(body.count)"])
        do {
            let response = try await http.execute(request, deadline: deadline, logger: nil)
            let bytes = try await response.body.collect(upTo: 64 << 20)
            let data = Data(bytes.readableBytesView)
            guard (200..<300).contains(Int(response.status.code)) else {
                let status = Int(response.status.code)
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init).map { Duration.seconds($0) }
                throw RetryableFailure(MLLMError(
                    .http, "\(endpoint.absoluteString) answered \(status) \(response.status.reasonPhrase): \(ChatCompletionsWire.errorMessage(data))",
                    status: status), retryAfter: retryAfter)
            }
            return data
        } catch let failure as RetryableFailure {
            throw failure
        } catch is CancellationError {
            throw RetryableFailure(MLLMError(.cancelled, "the request to \(endpoint.absoluteString) was cancelled"))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw RetryableFailure(MLLMError(.timeout, "\(endpoint.absoluteString) did not answer within \(configuration.timeout); raise --mllm-timeout or use a smaller model"))
        } catch let error as HTTPClientError where error == .cancelled {
            throw RetryableFailure(MLLMError(.cancelled, "the request to \(endpoint.absoluteString) was cancelled"))
        } catch {
            if Task.isCancelled { throw RetryableFailure(MLLMError(.cancelled, "the request to \(endpoint.absoluteString) was cancelled")) }
            throw RetryableFailure(MLLMError(.connection, "cannot reach \(endpoint.absoluteString): \(error); is the model server running?"))
        }
    }

    private func decode(_ data: Data, attempts: Int) throws(RetryableFailure) -> ChatCompletion {
        do {
            return try ChatCompletionsWire.completion(from: data, endpoint: endpoint.absoluteString, attempts: attempts)
        } catch {
            throw RetryableFailure(error)
        }
    }
}

/// An `MLLMError` with the server's `Retry-After`, while retries are decided.
struct RetryableFailure: Error {
    let failure: MLLMError
    let retryAfter: Duration?

    init(_ failure: MLLMError, retryAfter: Duration? = nil) {
        self.failure = failure
        self.retryAfter = retryAfter
    }

    var isRetryable: Bool { failure.isRetryable }
    var code: MLLMError.Code { failure.code }
    var status: Int? { failure.status }
}
