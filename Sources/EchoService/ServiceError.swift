import EchoApplication
import Foundation
import Hummingbird
import NIOCore

/// An API error: an HTTP status, a stable machine-readable code and a message that says
/// what was wrong and what to do. Sent as `{"error": {"code": …, "message": …}}`. The
/// error underneath (`cause`) is logged, never sent.
public struct ServiceError: Error, HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// The error underneath, for the log.
    public let cause: (any Error)?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, cause: (any Error)? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.cause = cause
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONBody.response(ErrorBody(error: .init(code: code, message: message)), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"echo\"" }
        if status == .serviceUnavailable { response.headers[.retryAfter] = "1" }
        return response
    }

    /// This internal failure as a client sees it: the same status and code, and instead
    /// of the cause (which may hold SQL, a path or a stack) the id it is logged under.
    func concealed(id: String) -> ServiceError {
        ServiceError(status, code, "the server failed on this request (error id \(id)); its log has the details under that id", cause: cause)
    }

    /// What the log gets: the message and the cause's own description.
    var logDescription: String {
        guard let cause else { return message }
        return "\(message) (cause: \(String(reflecting: type(of: cause))): \(cause))"
    }

    /// A short random id for one logged failure.
    static func newErrorID() -> String {
        String((0..<12).map { _ in "0123456789abcdef".randomElement()! })
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable { let code: String; let message: String }
        let error: Detail
    }

    /// The HTTP status of each use-case error code: the client's faults are 4xx, Echo's
    /// own failures 5xx. The OpenAPI document lists the codes by these statuses.
    static func status(of code: EchoError.Code) -> HTTPResponse.Status {
        switch code {
        case .imageTooLarge: .contentTooLarge
        case .unknownCategory, .unknownReference, .unknownRun, .imageNotKept, .noKnowledge, .noStore: .notFound
        case .noReferences, .incompatible, .unsupported: .conflict
        case .readOnly: .forbidden
        case .storeBusy, .databaseUnavailable: .serviceUnavailable
        case .diskFull: .insufficientStorage507
        case .mllmFailed: .badGateway
        case .storeFailed, .weightsUnusable, .outputFailed, .internal: .internalServerError
        default: .badRequest
        }
    }

    /// The API error for a use case's error: its code, its status, its cause kept.
    static func from(_ error: EchoError) -> ServiceError {
        if error.code == .databaseUnavailable {
            // Where the database is and why it failed are for the logs, not the client.
            return ServiceError(.serviceUnavailable, error.code.rawValue,
                                "the database is unavailable; retry after the Retry-After delay (a write cut off mid-commit may have been saved: retrying it is safe)",
                                cause: error.cause ?? error)
        }
        if error.code == .diskFull {
            // Which disk and path are for the operator's log.
            return ServiceError(.insufficientStorage507, error.code.rawValue,
                                "the server's disk is full: nothing of this request was saved, everything saved before is kept; retry once an operator has freed space",
                                cause: error.cause ?? error)
        }
        return ServiceError(status(of: error.code), error.code.rawValue, error.message, cause: error.cause ?? error)
    }

    /// The API error for anything a route throws: use-case errors by their code, the
    /// HTTP layer's own by theirs.
    static func from(_ error: any Error) -> ServiceError {
        switch error {
        case let error as ServiceError:
            return error
        case let error as EchoError:
            return from(error)
        case let error as HTTPError:
            let code = error.status == .contentTooLarge ? "body_too_large" : error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            return ServiceError(error.status, code, error.body ?? error.status.reasonPhrase, cause: error)
        case let error as NIOTooManyBytesError:
            return ServiceError(.contentTooLarge, "body_too_large", "the body is larger than \(error.maxBytes.map(String.init) ?? "the limit") bytes (--max-body)")
        case is DecodingError:
            return ServiceError(.badRequest, "bad_json", "the body is not the JSON this route takes: \(error)")
        default:
            return from(EchoError(classifying: error))
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

extension HTTPResponse.Status {
    /// 507 Insufficient Storage (RFC 4918), which HTTPTypes does not name: the server's disk is full.
    static let insufficientStorage507 = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}
