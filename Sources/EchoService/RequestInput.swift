import EchoApplication
import EchoStore
import Foundation
import Hummingbird
import HTTPTypes

/// Reading and checking request input. Nothing a client sends becomes a file name.
package enum Validate {
    /// A category name from a path segment: percent-decoded first (the router hands
    /// segments over as sent), then checked by the store's one rule (`CategoryName`).
    /// - Throws: 400 `invalid_category` with the rule and a suggestion.
    package static func categoryName(inPath segment: String) throws -> String {
        guard let decoded = segment.removingPercentEncoding else {
            throw ServiceError(.badRequest, "invalid_category", "the category in the path is not valid percent-encoding (got \"\(segment.prefix(120))\")")
        }
        do {
            try CategoryName.validate(decoded)
        } catch {
            throw ServiceError.from(EchoError(classifying: error))
        }
        return decoded
    }

    /// An integer query parameter (its range is the use case's rule).
    /// - Throws: 400 `invalid_parameter` when it is not an integer.
    package static func integer(_ request: Request, _ name: String, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int(text) else {
            throw ServiceError(.badRequest, "invalid_parameter", "\(name) must be an integer (got \"\(text.prefix(40))\")")
        }
        return number
    }

    /// A number query parameter (its range is the use case's rule); nil when absent.
    /// - Throws: 400 `invalid_parameter` when it is not a finite number.
    package static func number(_ request: Request, _ name: String) throws -> Double? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let number = Double(text), number.isFinite else {
            throw ServiceError(.badRequest, "invalid_parameter", "\(name) must be a number (got \"\(text.prefix(40))\")")
        }
        return number
    }

    /// A query parameter that takes one of `choices`.
    /// - Throws: 400 `invalid_parameter` naming the choices.
    package static func choice(_ request: Request, _ name: String, _ choices: [String], default value: String) throws -> String {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else { return value }
        guard choices.contains(text) else {
            throw ServiceError(.badRequest, "invalid_parameter", "\(name) must be one of \(choices.joined(separator: ", ")) (got \"\(text.prefix(40))\")")
        }
        return text
    }

    /// A boolean query parameter (`true`/`false`/`1`/`0`).
    package static func boolean(_ request: Request, _ name: String, default value: Bool) throws -> Bool {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw ServiceError(.badRequest, "invalid_parameter", "\(name) must be true or false")
        }
    }

    /// Metadata from `meta.KEY=VALUE` query parameters and an `Echo-Metadata` header
    /// holding a JSON object of strings (the header wins on conflicts).
    package static func metadata(_ request: Request) throws -> [String: String] {
        var metadata: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where key.hasPrefix("meta.") {
            metadata[String(key.dropFirst(5))] = String(value)
        }
        if let header = request.headers[HTTPField.Name("Echo-Metadata")!] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(header.utf8)) as? [String: Any],
                  object.values.allSatisfy({ $0 is String }) else {
                throw ServiceError(.badRequest, "invalid_metadata", "Echo-Metadata must be a JSON object of strings, e.g. {\"line\": \"3\"}")
            }
            for (key, value) in object { metadata[key] = value as? String }
        }
        do {
            try MetadataRule.validate(metadata)
        } catch {
            throw ServiceError.from(EchoError(classifying: error))
        }
        return metadata
    }
}

/// An image request body: raw PNG or JPEG bytes, at most the configured size.
enum ImageInput {
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let type = request.headers[.contentType]?.lowercased(), !type.hasPrefix("image/") && !type.hasPrefix("application/octet-stream") {
            throw ServiceError(.unsupportedMediaType, "unsupported_media_type", "send the image itself as the body (Content-Type image/png or image/jpeg), not \(type)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ServiceError(.contentTooLarge, "body_too_large", "the body is larger than \(limit) bytes (--max-body)")
        }
        guard buffer.readableBytes > 0 else { throw ServiceError(.badRequest, "empty_body", "the body is empty; send a PNG or JPEG image") }
        return Array(buffer.readableBytesView)
    }
}

/// A JSON request body.
enum JSONInput {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ServiceError(.contentTooLarge, "body_too_large", "the body is larger than \(limit) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw ServiceError(.badRequest, "bad_json", "the body is not the JSON this route takes: \(error)")
        }
    }
}

/// Any encodable value, for mixed JSON objects.
struct AnyEncodable: Encodable {
    private let encodeValue: (Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode(to:) }
    func encode(to encoder: Encoder) throws { try encodeValue(encoder) }
}

/// Arbitrary JSON, decoded and encoded again.
indirect enum JSONValue: Codable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
