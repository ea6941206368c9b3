import EchoApplication
import Hummingbird

extension Routes {
    /// Images rendered for people: golden-sample thumbnails and the images of recorded
    /// results, PNG, cached by their tag (the content's SHA-256 and the size).
    static func registerImages(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.get, "/v1/references/:id/thumbnail",
                  errors: [.invalidParameter, .unknownReference, .badImage, .databaseUnavailable, .storeFailed]) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let size = try Validate.integer(request, "size", default: 160)
            return try rendered(request, try await service.offload { try service.app.referenceThumbnail(id: id, maxSide: size) })
        }
        table.add(.get, "/v1/runs/:id/results/:index/image",
                  errors: [.invalidParameter, .unknownRun, .imageNotKept, .badImage, .databaseUnavailable, .storeFailed]) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let index = try context.parameters.require("index", as: Int.self)
            let size = try Validate.integer(request, "size", default: 512)
            return try rendered(request, try await service.offload { try service.app.runResultImage(run: id, index: index, maxSide: size) })
        }
    }

    /// A rendered image with its ETag, or 304 when the client holds that tag.
    static func rendered(_ request: Request, _ image: RenderedImage) throws -> Response {
        let tag = "\"\(image.tag)\""
        var headers: HTTPFields = [.eTag: tag, .cacheControl: "private, max-age=86400"]
        if request.holds(entityTag: tag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "image/png"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.png)))
    }
}
