import EchoApplication
import EchoStore
import Foundation
import Hummingbird

/// The service's routes. Each handler parses the request, calls one use case off the
/// concurrency threads with the request timeout, and answers JSON; every rule and every
/// sequence of work lives in `EchoApp`.
enum Routes {
    static func register(on table: inout RouteTable, context service: ServiceContext) {
        table.add(.get, "/healthz", access: .public) { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        // Readiness, for load balancers: 200 while the store answers, else 503 (the process
        // stays up, /healthz answers, and it becomes ready again when the database returns).
        table.add(.get, "/readyz", access: .public, errors: [.databaseUnavailable, .storeFailed]) { _, _ in
            try await service.offload { try service.app.checkReady() }
            return try JSONBody.response(["status": "ready"])
        }
        table.add(.get, "/metrics", errors: [.storeFailed]) { _, _ in
            let text = try await service.offload { service.metrics.render(store: service.store) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        // Who the caller is, for clients that hide what a token may not do (the console).
        table.add(.get, "/v1/session") { _, context in
            try JSONBody.response(["access": AnyEncodable((context.access ?? .readOnly).rawValue),
                                   "authenticated": AnyEncodable(service.configuration.tokens != nil),
                                   "mllm": AnyEncodable(service.app.panel?.model != nil)])
        }
        registerCategories(on: &table, service)
        registerReferences(on: &table, service)
        registerInspection(on: &table, service)
        registerKnowledge(on: &table, service)
        registerImages(on: &table, service)
        registerConsole(on: &table)
    }

    /// The OpenAPI document of every operation in `table`, served at `/openapi.json` and
    /// (JSON is YAML 1.2) `/openapi.yaml`.
    static func registerDocument(on table: inout RouteTable) {
        let paths = ["/openapi.json": "application/json", "/openapi.yaml": "application/yaml"]
        let operations = table.operations + paths.keys.map { Operation(method: .get, path: $0, access: .public, errors: []) }
        let document = OpenAPIDocument.json(for: operations)
        for (path, type) in paths.sorted(by: { $0.key < $1.key }) {
            table.add(.get, path, access: .public) { _, _ in
                Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: document)))
            }
        }
    }

    // MARK: categories and references

    struct CreateCategory: Decodable {
        let name: String
        let index: String?
    }

    static func registerCategories(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.get, "/v1/categories", errors: [.invalidParameter, .storeFailed]) { request, _ in
            let drift = try Validate.boolean(request, "drift", default: false)
            return try JSONBody.response(try await service.offload { try service.app.statistics(drift: drift) })
        }
        table.add(.post, "/v1/categories/:category/calibrate", access: .write,
                  errors: [.invalidCategory, .invalidParameter, .unknownCategory, .noReferences, .incompatible, .readOnly, .storeBusy, .storeFailed]) { request, context in
            var calibration = CalibrationRequest(category: try Validate.categoryName(inPath: context.parameters.require("category")))
            calibration.neighbours = try Validate.integer(request, "neighbours", default: calibration.neighbours)
            calibration.quantile = try Validate.number(request, "quantile") ?? calibration.quantile
            switch try Validate.choice(request, "memoryBank", ["keep", "build", "drop"], default: "keep") {
            case "build": calibration.coreset = try Validate.number(request, "coreset") ?? 0.1
            case "drop": calibration.dropMemoryBank = true
            default: break
            }
            calibration.concurrency = max(1, ProcessInfo.processInfo.activeProcessorCount)
            let request = calibration
            return try JSONBody.response(try await service.offload { try service.app.calibrate(request) })
        }
        table.add(.post, "/v1/categories", access: .write, errors: [.invalidCategory, .invalidIndex, .incompatible, .readOnly, .storeFailed]) { request, _ in
            let body = try await JSONInput.decode(CreateCategory.self, from: request, limit: 64 << 10)
            let category = try await service.offload { try service.app.createCategory(body.name, indexSpecification: body.index ?? "Flat") }
            return try JSONBody.response(["name": category.name, "index": category.indexSpecification,
                                          "embedder": category.embedder.description], status: .created)
        }
        table.add(.get, "/v1/categories/:category/references", errors: [.invalidCategory, .invalidParameter, .unknownCategory, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let limit = try Validate.integer(request, "limit", default: 100)
            let offset = try Validate.integer(request, "offset", default: 0)
            return try JSONBody.response(try await service.offload { try service.app.listReferences(category: category, limit: limit, offset: offset) })
        }
    }

    static func registerReferences(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.post, "/v1/categories/:category/references", access: .write,
                  errors: [.invalidCategory, .invalidMetadata, .badImage, .imageTooLarge, .incompatible, .readOnly, .storeBusy, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let metadata = try Validate.metadata(request)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let answer = try await service.offload { try service.app.ingestUpload(bytes, category: category, metadata: metadata) }
            return try JSONBody.response(answer, status: answer.status == "added" ? .created : .ok)
        }
        table.add(.delete, "/v1/references/:id", access: .write, errors: [.unknownReference, .readOnly, .storeBusy, .storeFailed]) { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let removed = try await service.offload { try service.app.removeReferences(ids: [id]) }
            return try JSONBody.response(removed[0])
        }
        table.add(.get, "/v1/references/:id/image", errors: [.unknownReference, .databaseUnavailable, .storeFailed]) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let (image, format) = try await service.offload { try service.app.referenceImage(id: id) }
            // Content-addressed: the bytes behind an ETag never change.
            let tag = "\"\(image.reference.sha256)\""
            var headers: HTTPFields = [.eTag: tag, .cacheControl: "private, max-age=86400, immutable"]
            if request.holds(entityTag: tag) {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = format == .png ? "image/png" : "image/jpeg"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: image.bytes)))
        }
        table.add(.post, "/v1/categories/:category/query",
                  errors: [.invalidCategory, .invalidParameter, .invalidMetadata, .badImage, .imageTooLarge, .unknownCategory, .incompatible, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let k = try Validate.integer(request, "k", default: 5)
            let filter = try Validate.metadata(request)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let set = try await service.offload { try service.app.nearestNormals(toImage: bytes, category: category, k: k, filter: filter) }
            return try JSONBody.response(["category": AnyEncodable(category), "matches": AnyEncodable(set.matches)])
        }
    }

    // MARK: inspection and runs

    static func registerInspection(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.post, "/v1/categories/:category/inspect",
                  errors: [.invalidCategory, .invalidParameter, .badImage, .imageTooLarge, .unknownCategory, .noReferences, .incompatible, .storeBusy, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let review = try Validate.boolean(request, "mllm", default: false)
            let keep = try Validate.boolean(request, "keep", default: false)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let answer = try await service.withTimeout { try await service.app.inspectUpload(bytes, category: category, review: review, keep: keep) }
            return try JSONBody.response(answer)
        }
        table.add(.post, "/v1/categories/:category/runs", access: .write,
                  errors: [.invalidCategory, .invalidParameter, .unknownCategory, .unsupported, .readOnly, .databaseUnavailable, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let neighbours = try Validate.integer(request, "neighbours", default: 3)
            let review = try Validate.boolean(request, "mllm", default: false)
            let status = try await service.offload { try service.app.beginQueuedRun(category: category, neighbours: neighbours, review: review) }
            return try JSONBody.response(status, status: .created)
        }
        table.add(.post, "/v1/runs/:id/images", access: .write,
                  errors: [.badImage, .imageTooLarge, .unknownRun, .invalidParameter, .unsupported, .readOnly, .databaseUnavailable, .storeFailed]) { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let name = request.uri.queryParameters["name"].map(String.init)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let status = try await service.offload { try service.app.enqueueImage(bytes, name: name, run: id) }
            return try JSONBody.response(status, status: .accepted)
        }
        table.add(.post, "/v1/runs/:id/seal", access: .write,
                  errors: [.unknownRun, .invalidParameter, .nothingToDo, .unsupported, .readOnly, .databaseUnavailable, .storeFailed]) { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            return try JSONBody.response(try await service.offload { try service.app.sealQueuedRun(id) })
        }
        table.add(.get, "/v1/runs", errors: [.invalidCategory, .invalidParameter, .unknownCategory, .databaseUnavailable, .storeFailed]) { request, _ in
            let category = try request.uri.queryParameters["category"].map { try Validate.categoryName(inPath: String($0)) }
            let limit = try Validate.integer(request, "limit", default: 50)
            let offset = try Validate.integer(request, "offset", default: 0)
            return try JSONBody.response(try await service.offload { try service.app.listRuns(category: category, limit: limit, offset: offset) })
        }
        table.add(.get, "/v1/runs/:id", errors: [.unknownRun, .databaseUnavailable, .storeFailed]) { _, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let progress = try await service.offload { try service.app.runProgress(id) }
            return try JSONBody.response(["run": AnyEncodable(id), "status": AnyEncodable(progress.status),
                                          "results": AnyEncodable(progress.results.map(RunResultView.init))])
        }
    }

    /// A recorded result with its details parsed back into JSON.
    struct RunResultView: Encodable {
        let image: String
        let verdict: String
        let score: Double?
        let details: JSONValue

        init(_ record: RunResultRecord) {
            image = record.imagePath
            verdict = record.verdict
            score = record.score
            details = (try? JSONDecoder().decode(JSONValue.self, from: Data(record.details.utf8))) ?? .null
        }
    }

    // MARK: knowledge

    static func registerKnowledge(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.post, "/v1/knowledge", access: .write, errors: [.invalidParameter, .badRequest, .readOnly, .storeBusy, .storeFailed]) { request, _ in
            let dataset = request.uri.queryParameters["dataset"].map(String.init)
            let body = try await request.body.collect(upTo: service.configuration.maxBodyBytes)
            let data = Data(body.readableBytesView)
            return try JSONBody.response(try await service.offload { try service.app.importKnowledge(data, source: "the request body", dataset: dataset) })
        }
        table.add(.get, "/v1/knowledge/:category", errors: [.invalidCategory, .noKnowledge, .storeFailed]) { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let question = request.uri.queryParameters["question"].map(String.init)
            return try JSONBody.response(try await service.offload { try service.app.knowledge(of: category, question: question) })
        }
    }
}

extension ServiceContext {
    /// Runs a blocking use case off the concurrency threads within the request timeout
    /// (the use case records its own timing).
    func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Offload.run(timeout: configuration.requestTimeout, work)
    }

    /// Runs an async use case (one that awaits the MLLM) within the request timeout.
    func withTimeout<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Offload.run(timeout: configuration.requestTimeout, async: work)
    }
}
