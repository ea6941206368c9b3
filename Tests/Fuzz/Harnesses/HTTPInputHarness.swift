import EchoService
import Foundation
import HTTPTypes
import Hummingbird

/// What the service reads from a request before any use case runs: the request target
/// (path and query, parsed by Hummingbird's `URI`), the category in a path segment, the
/// integer and boolean query parameters, and image metadata from `meta.KEY=VALUE`
/// parameters and the `Echo-Metadata` JSON header. The input's first line is the request
/// target, the rest the header's value (when it is one HTTP could carry).
enum HTTPInputHarness {
    static let harness = FuzzHarness(name: "http-input", summary: "request target, path category, query parameters, Echo-Metadata header") { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let target: Substring
        let headerValue: Substring?
        if let newline = text.firstIndex(of: "\n") {
            target = text[..<newline]
            headerValue = text[text.index(after: newline)...]
        } else {
            target = text[...]
            headerValue = nil
        }
        var fields = HTTPFields()
        if let headerValue, HTTPField.isValidValue(String(headerValue)) {
            fields[HTTPField.Name("Echo-Metadata")!] = String(headerValue)
        }
        let head = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/v1/" + target, headerFields: fields)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        var refusals: [String] = []
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch let error as ServiceError {
                precondition((400..<500).contains(error.status.code), "bad input answered \(error.status.code), not a 4xx")
                refusals.append(error.code)
            } catch {
                preconditionFailure("request input raised \(type(of: error)), not a ServiceError")
            }
        }
        for segment in request.uri.path.split(separator: "/") {
            attempt { _ = try Validate.categoryName(inPath: String(segment)) }
        }
        attempt { _ = try Validate.integer(request, "k", default: 5) }
        attempt { _ = try Validate.boolean(request, "heatmap", default: false) }
        attempt { _ = try Validate.metadata(request) }
        return refusals.isEmpty ? .accepted : .rejected(refusals.joined(separator: ","))
    }
}
