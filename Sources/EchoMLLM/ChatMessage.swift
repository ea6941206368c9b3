import Foundation

/// One part of a chat message: text, or an encoded image sent as a base64 data URL.
public enum ContentPart: Sendable, Equatable {
    case text(String)
    /// PNG or JPEG bytes and their MIME type (`image/png`, `image/jpeg`).
    case image(Data, mimeType: String)
}

/// A chat message in the OpenAI chat-completions protocol.
public struct ChatMessage: Sendable, Equatable {
    /// Who speaks.
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public let role: Role
    public let parts: [ContentPart]

    /// A message of several parts (text and images, in order).
    public init(role: Role, parts: [ContentPart]) {
        self.role = role
        self.parts = parts
    }

    /// A text-only message.
    public init(role: Role, text: String) {
        self.init(role: role, parts: [.text(text)])
    }

}

/// A model's answer to one chat-completions request.
public struct ChatCompletion: Sendable, Equatable {
    /// The assistant's text (may be empty: callers decide what an empty answer means).
    public let text: String
    /// The model that answered, as the server names it.
    public let model: String?
    /// Token counts, when the server reports them.
    public let promptTokens: Int?
    public let completionTokens: Int?
    /// Requests made, retries included.
    public let attempts: Int

    public init(text: String, model: String?, promptTokens: Int?, completionTokens: Int?, attempts: Int) {
        self.text = text
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.attempts = attempts
    }
}

/// Anything that completes chats: the HTTP client, or a caller's own.
public protocol ChatModel: Sendable {
    /// A short name for logs and reports ("qwen2-vl-7b at http://host:8000/v1").
    var name: String { get }
    /// Sends the conversation; returns the assistant's answer, of at most `maxTokens` new
    /// tokens (nil: the model's configured limit).
    /// - Throws: `MLLMError` saying what failed.
    func complete(_ messages: [ChatMessage], maxTokens: Int?) async throws(MLLMError) -> ChatCompletion
}

extension ChatModel {
    /// Sends the conversation with the configured token limit.
    /// - Throws: `MLLMError` saying what failed.
    public func complete(_ messages: [ChatMessage]) async throws(MLLMError) -> ChatCompletion {
        try await complete(messages, maxTokens: nil)
    }
}
