import Crypto
import Foundation
import Hummingbird
import HTTPTypes

/// One file of the web console, embedded in the binary.
struct ConsoleAsset: Sendable {
    let path: String
    let contentType: String
    let body: String
    /// The ETag: the SHA-256 of the body, so a new build's files are fetched again.
    let tag: String

    init(path: String, contentType: String, body: String) {
        self.path = path
        self.contentType = contentType
        self.body = body
        tag = "\"" + SHA256.hash(data: Data(body.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
    }
}

/// The web console for people at the line: plain HTML, CSS and JavaScript served from
/// the binary (no build step, no CDN; it works offline on a plant network), which uses
/// only the public HTTP API with the bearer token the user signs in with.
enum Console {
    static let assets: [ConsoleAsset] = [
        ConsoleAsset(path: "/", contentType: "text/html; charset=utf-8", body: ConsolePage.html),
        ConsoleAsset(path: "/console/console.css", contentType: "text/css; charset=utf-8", body: ConsoleStylesheet.css),
        ConsoleAsset(path: "/console/core.js", contentType: "text/javascript; charset=utf-8", body: ConsoleCoreScript.js),
        ConsoleAsset(path: "/console/views.js", contentType: "text/javascript; charset=utf-8", body: ConsoleViewsScript.js),
        ConsoleAsset(path: "/console/inspection.js", contentType: "text/javascript; charset=utf-8", body: ConsoleInspectionScript.js),
        ConsoleAsset(path: "/console/icon.svg", contentType: "image/svg+xml", body: ConsolePage.icon),
    ]

    /// Only the console's own files, no inline script or style, images from the API as
    /// blobs; no framing (clickjacking).
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    static func response(_ asset: ConsoleAsset, _ request: Request) -> Response {
        var headers = securityHeaders
        headers[.eTag] = asset.tag
        headers[.cacheControl] = "no-cache"
        if request.holds(entityTag: asset.tag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }
}

extension Routes {
    /// The console's files (public: the page asks for a token before it calls the API).
    static func registerConsole(on table: inout RouteTable) {
        for asset in Console.assets {
            table.add(.get, asset.path, access: .public) { request, _ in Console.response(asset, request) }
        }
    }
}
