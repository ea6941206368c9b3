import EchoExperts
import EchoImaging
import EchoReferences
import EchoStore
import Foundation
import Hummingbird
import NIOCore

/// An API error: an HTTP status, a stable machine-readable code and a message that says
/// what was wrong and what to do. Sent as `{"error": {"code": …, "message": …}}`.
public struct ServiceError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(ErrorBody(error: .init(code: code, message: message)), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"echo\"" }
        return response
    }

    /// This internal failure as a client sees it: the same status and code, and instead
    /// of the cause (which may hold SQL, a path or a stack) the id it is logged under.
    func concealed(id: String) -> ServiceError {
        ServiceError(status, code, "the server failed on this request (error id \(id)); its log has the details under that id")
    }

    /// A short random id for one logged failure.
    static func newErrorID() -> String {
        String((0..<12).map { _ in "0123456789abcdef".randomElement()! })
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    /// The API error for a library error: the client's faults are 4xx, never 500.
    static func from(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError:
            return error
        case let error as StoreError:
            return from(error)
        case let error as ImagingError:
            if error.code == .tooLarge { return ServiceError(.contentTooLarge, "image_too_large", error.message) }
            return ServiceError(.badRequest, "bad_image", "the body is not a usable PNG or JPEG image: \(error.message)")
        case let error as ReferenceExtractorError:
            switch error {
            case .image(let inner): return from(inner)
            case .embedding(let inner): return ServiceError(.badRequest, "bad_image", inner.description)
            case .store(let inner): return from(inner)
            case .references(let message): return ServiceError(.conflict, "no_references", message)
            }
        case let error as ExpertError:
            switch error {
            case .input(let message): return ServiceError(.badRequest, "bad_request", message)
            case .store(let inner): return from(inner)
            case .references(let inner): return from(inner)
            case .mllm(let inner): return ServiceError(.badGateway, "mllm_failed", inner.description)
            }
        case let error as HTTPError:
            let code = error.status == .contentTooLarge ? "body_too_large" : error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            return ServiceError(error.status, code, error.body ?? error.status.reasonPhrase)
        case let error as NIOTooManyBytesError:
            return ServiceError(.contentTooLarge, "body_too_large", "the body is larger than \(error.maxBytes.map(String.init) ?? "the limit") bytes (--max-body)")
        case is DecodingError:
            return ServiceError(.badRequest, "bad_json", "the body is not the JSON this route takes: \(error)")
        default:
            return ServiceError(.internalServerError, "internal", "an unexpected error: \(error)")
        }
    }

    static func from(_ error: StoreError) -> ServiceError {
        switch error.code {
        case .unknownCategory: return ServiceError(.notFound, "unknown_category", error.message)
        case .invalidArgument: return ServiceError(.badRequest, "invalid_argument", error.message)
        case .invalidCategoryName: return ServiceError(.badRequest, "invalid_category", error.message)
        case .invalidMetadata: return ServiceError(.badRequest, "invalid_metadata", error.message)
        case .invalidIndex: return ServiceError(.badRequest, "invalid_index", error.message)
        case .incompatible: return ServiceError(.conflict, "incompatible", error.message)
        case .readOnly: return ServiceError(.forbidden, "read_only", error.message)
        case .busy: return ServiceError(.serviceUnavailable, "store_busy", error.message)
        default: return ServiceError(.internalServerError, "store_failed", error.description)
        }
    }
}

/// JSON responses with sorted keys and unescaped slashes.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
