import Foundation

/// The JSON of the OpenAI chat-completions protocol, as much of it as Echo sends and reads.
package enum ChatCompletionsWire {
    struct Request: Encodable {
        let model: String
        let messages: [Message]
        let temperature: Double
        let max_tokens: Int
        let stream = false
    }

    struct Message: Encodable {
        let role: String
        let content: Content
    }

    /// A plain string for text-only messages (accepted everywhere), else a list of parts.
    enum Content: Encodable {
        case text(String)
        case parts([Part])

        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .parts(let parts): try container.encode(parts)
            }
        }
    }

    struct Part: Encodable {
        struct ImageURL: Encodable { let url: String }
        let type: String
        let text: String?
        let image_url: ImageURL?
    }

    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { let content: ResponseContent? }
            let message: Message?
        }
        struct Usage: Decodable {
            let prompt_tokens: Int?
            let completion_tokens: Int?
        }
        let model: String?
        let choices: [Choice]?
        let usage: Usage?
    }

    /// A string, or a list of text parts (some servers answer that way), or null.
    struct ResponseContent: Decodable {
        let text: String

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else {
                struct TextPart: Decodable { let text: String? }
                self.text = try container.decode([TextPart].self).compactMap(\.text).joined()
            }
        }
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { let message: String? }
        let error: Detail?
    }

    static func encode(_ messages: [ChatMessage], configuration: MLLMConfiguration, maxTokens: Int? = nil) throws(MLLMError) -> Data {
        let wire = messages.map { message -> Message in
            if message.parts.count == 1, case .text(let text) = message.parts[0] {
                return Message(role: message.role.rawValue, content: .text(text))
            }
            return Message(role: message.role.rawValue, content: .parts(message.parts.map { part in
                switch part {
                case .text(let text):
                    return Part(type: "text", text: text, image_url: nil)
                case .image(let data, let mimeType):
                    return Part(type: "image_url", text: nil, image_url: .init(url: "data:\(mimeType);base64,\(data.base64EncodedString())"))
                }
            }))
        }
        do {
            return try JSONEncoder().encode(Request(model: configuration.model, messages: wire, temperature: configuration.temperature,
                                                    max_tokens: maxTokens ?? configuration.maxTokens))
        } catch {
            throw MLLMError(.invalidConfiguration, "cannot encode the chat request: \(error)")
        }
    }

    /// The completion in a server's response body.
    /// - Throws: `.badResponse` for a body that is not a chat completion or has no choices,
    ///   naming `endpoint` and quoting the server's own error message when it sent one.
    package static func completion(from data: Data, endpoint: String, attempts: Int) throws(MLLMError) -> ChatCompletion {
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw MLLMError(.badResponse, "\(endpoint) answered with something that is not a chat completion: \(errorMessage(data))")
        }
        guard let choice = response.choices?.first, let message = choice.message else {
            throw MLLMError(.badResponse, "\(endpoint) answered a chat completion without choices")
        }
        return ChatCompletion(text: message.content?.text ?? "", model: response.model, promptTokens: response.usage?.prompt_tokens,
                              completionTokens: response.usage?.completion_tokens, attempts: attempts)
    }

    /// The server's own error message from a JSON error body, else the body's start.
    static func errorMessage(_ body: Data) -> String {
        if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: body), let message = decoded.error?.message {
            return message
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text
    }
}
