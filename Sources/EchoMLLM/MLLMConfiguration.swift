import Foundation

/// Where and how to call an OpenAI-compatible chat-completions server (vLLM, SGLang,
/// Ollama, llama.cpp's server, or a hosted API).
public struct MLLMConfiguration: Sendable, CustomStringConvertible {
    /// The API base (`http://localhost:8000/v1`) or the full chat-completions URL.
    public var url: String
    /// The model name the server expects (`Qwen/Qwen2-VL-7B-Instruct`, `qwen2.5vl:7b`).
    public var model: String
    /// A bearer token, when the server needs one. Never logged or printed.
    public var apiKey: String?
    /// Sampling temperature; 0 for reproducible answers.
    public var temperature: Double = 0
    /// The most tokens an answer may have.
    public var maxTokens: Int = 512
    /// The most time one request may take, from sending to the full answer.
    public var timeout: Duration = .seconds(120)
    /// Further tries after a 429, a 5xx or a dropped connection (not after a timeout:
    /// a model that is too slow once is usually too slow again).
    public var maxRetries: Int = 3
    /// The wait before the first retry; doubled each time, at most 30 s. A server's
    /// `Retry-After` (in seconds) takes precedence, up to the same cap.
    public var initialBackoff: Duration = .milliseconds(500)

    /// A configuration; other settings take their defaults.
    public init(url: String, model: String, apiKey: String? = nil) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
    }

    /// From `ECHO_MLLM_URL`, `ECHO_MLLM_MODEL` and `ECHO_MLLM_API_KEY`; nil when no URL
    /// is set.
    /// - Throws: `.notConfigured` when a URL is set without a model.
    public static func fromEnvironment(_ environment: [String: String]) throws(MLLMError) -> MLLMConfiguration? {
        guard let url = environment["ECHO_MLLM_URL"], !url.isEmpty else { return nil }
        guard let model = environment["ECHO_MLLM_MODEL"], !model.isEmpty else {
            throw MLLMError(.notConfigured, "ECHO_MLLM_URL is set but ECHO_MLLM_MODEL is not: name the served model (e.g. Qwen/Qwen2-VL-7B-Instruct)")
        }
        let key = environment["ECHO_MLLM_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        return MLLMConfiguration(url: url, model: model, apiKey: key)
    }

    /// The chat-completions endpoint: `url` itself when it already ends in
    /// `/chat/completions`, else `url` + `/chat/completions`.
    /// - Throws: `.invalidConfiguration` for a URL that is not http(s) with a host.
    public func endpoint() throws(MLLMError) -> URL {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        if !text.hasSuffix("/chat/completions") { text += "/chat/completions" }
        guard let endpoint = URL(string: text), let scheme = endpoint.scheme?.lowercased(), ["http", "https"].contains(scheme),
              endpoint.host?.isEmpty == false else {
            throw MLLMError(.invalidConfiguration, "the MLLM URL \"\(url)\" is not an http(s) URL with a host; use e.g. http://localhost:8000/v1")
        }
        return endpoint
    }

    /// The settings without the key (safe to log).
    public var description: String {
        "model \(model) at \(url)\(apiKey == nil ? "" : " (with API key)"), temperature \(temperature), max tokens \(maxTokens), timeout \(timeout), retries \(maxRetries)"
    }
}
