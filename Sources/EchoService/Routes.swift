import Crypto
import EchoExperts
import EchoImaging
import EchoReferences
import EchoStore
import EchoVision
import Foundation
import Hummingbird

/// The service's routes. Handlers parse and validate the request, run the library call
/// off the concurrency threads with the request timeout, and answer JSON.
enum Routes {
    static func register(on table: inout RouteTable, context service: ServiceContext) {
        table.add(.get, "/healthz") { _, _ in
            try JSONBody.response(["status": "ok"])
        }
        table.add(.get, "/metrics") { _, _ in
            let text = try await Offload.run(timeout: service.configuration.requestTimeout) { service.metrics.render(store: service.store) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        table.add(.get, "/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        table.add(.get, "/openapi.yaml") { _, _ in
            // JSON is YAML 1.2: the same document, served for tools that ask for YAML.
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        registerCategories(on: &table, service)
        registerReferences(on: &table, service)
        registerInspection(on: &table, service)
        registerKnowledge(on: &table, service)
    }

    // MARK: categories and references

    struct CreateCategory: Decodable {
        let name: String
        let index: String?
    }

    static func registerCategories(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.get, "/v1/categories") { _, _ in
            try JSONBody.response(try await Offload.run(timeout: service.configuration.requestTimeout) { try service.store.statistics() })
        }
        table.add(.post, "/v1/categories") { request, context in
            let body = try await JSONInput.decode(CreateCategory.self, from: request, limit: 64 << 10)
            try Validate.categoryName(body.name)
            let category = try await Offload.run(timeout: service.configuration.requestTimeout) {
                try service.store.ensureCategory(body.name, embedder: service.embedder.identity, indexSpecification: body.index ?? "Flat")
            }
            return try JSONBody.response(["name": category.name, "index": category.indexSpecification,
                                          "embedder": category.embedder.description], status: .created)
        }
        table.add(.get, "/v1/categories/:category/references") { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let limit = try Validate.integer(request, "limit", default: 100, range: 1...10_000)
            let offset = try Validate.integer(request, "offset", default: 0, range: 0...Int.max)
            return try JSONBody.response(try await Offload.run(timeout: service.configuration.requestTimeout) {
                try service.store.list(category: category, limit: limit, offset: offset)
            })
        }
    }

    struct IngestAnswer: Encodable {
        let status: String
        let id: Int64?
        let sha256: String
        let category: String
        /// Set when the new golden sample scores as an outlier against the calibration.
        let warnings: [String]?
    }

    /// Outlier warnings for a new golden sample; a screening that fails is logged, never
    /// fails the upload (the sample is stored either way).
    static func screeningWarnings(_ id: Int64?, category: String, _ service: ServiceContext) -> [String]? {
        guard let id else { return nil }
        do {
            let messages = try service.vision.screen([id], category: category, concurrency: 1).outliers.map(\.message)
            return messages.isEmpty ? nil : messages
        } catch {
            service.logger.warning("could not screen a new golden sample", metadata: ["reference.id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    static func registerReferences(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.post, "/v1/categories/:category/references") { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let metadata = try Validate.metadata(request)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let answer = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> IngestAnswer in
                let started = ContinuousClock.now
                // Decoded before anything is written, so nothing unusable lands in uploads/ and
                // the pixel limit answers 413. The Ingestor, which reads files, decodes the
                // stored copy again: a few ms beside ~30 ms of embedding.
                _ = try ImageDecoder(maxPixels: service.configuration.maxPixels).decode(bytes)
                let format = try ImageFormat.detect(bytes)
                let digest = SHA256.hash(data: Data(bytes)).map { String(format: "%02x", $0) }.joined()
                try FileManager.default.createDirectory(atPath: service.uploadsDirectory, withIntermediateDirectories: true)
                let path = "\(service.uploadsDirectory)/\(digest).\(format == .png ? "png" : "jpg")"
                if !FileManager.default.fileExists(atPath: path) { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
                var options = IngestOptions(category: category, metadata: metadata)
                options.maxPixels = service.configuration.maxPixels
                let report = try Ingestor(store: service.store, embedder: service.embedder, logger: service.logger).ingest([path], options: options)
                service.metrics.recordOperation("ingest", seconds: (ContinuousClock.now - started).seconds)
                guard let file = report.files.first else { throw ServiceError(.internalServerError, "internal", "ingest reported no file") }
                if file.status == .failed { throw ServiceError(.badRequest, "bad_image", file.reason ?? "the image could not be ingested") }
                return IngestAnswer(status: file.status.rawValue, id: file.id, sha256: digest, category: category,
                                    warnings: file.status == .added ? screeningWarnings(file.id, category: category, service) : nil)
            }
            return try JSONBody.response(answer, status: answer.status == "added" ? .created : .ok)
        }
        table.add(.delete, "/v1/references/:id") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let removed = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> [ReferenceRecord] in
                do {
                    return try service.store.remove(ids: [id])
                } catch let error as StoreError where error.code == .invalidArgument {
                    return []
                }
            }
            guard let record = removed.first else {
                throw ServiceError(.notFound, "unknown_reference", "no live reference has id \(id)")
            }
            return try JSONBody.response(record)
        }
        table.add(.post, "/v1/categories/:category/query") { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let k = try Validate.integer(request, "k", default: 5, range: 1...service.configuration.maxK)
            let filter = try Validate.metadata(request)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let matches = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> [ReferenceMatch] in
                let started = ContinuousClock.now
                let image = try ImageDecoder(maxPixels: service.configuration.maxPixels).decode(bytes)
                let set = try ReferenceExtractor(store: service.store, embedder: service.embedder).nearestNormals(to: image, category: category, k: k, filter: filter)
                service.metrics.recordOperation("query", seconds: (ContinuousClock.now - started).seconds)
                return set.matches
            }
            return try JSONBody.response(["category": AnyEncodable(category), "matches": AnyEncodable(matches)])
        }
    }

    // MARK: inspection and runs

    struct InspectAnswer: Encodable {
        let runID: Int64
        let verdict: String
        let result: InspectionResult
        let review: Review?
    }

    static func registerInspection(on table: inout RouteTable, _ service: ServiceContext) {
        table.add(.post, "/v1/categories/:category/inspect") { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let useMLLM = try Validate.boolean(request, "mllm", default: false)
            let bytes = try await ImageInput.collect(request, limit: service.configuration.maxBodyBytes)
            let started = ContinuousClock.now
            let (image, result) = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> (Image, InspectionResult) in
                let image = try ImageDecoder(maxPixels: service.configuration.maxPixels).decode(bytes)
                return (image, try service.vision.inspect(image, category: category))
            }
            var review: Review?
            if useMLLM {
                let panel = service.panel ?? ExpertPanel(model: nil, knowledge: nil, modules: ExpertModules(), logger: service.logger)
                let references = try await Offload.run(timeout: service.configuration.requestTimeout) {
                    try ImageAttachment.references(result.references.prefix(panel.modules.referencesShown).map(\.path))
                }
                let query = try ImageAttachment.from(bytes: bytes, decoded: image, label: "The image to inspect")
                let verdict = await panel.inspect(ExpertRequest(category: category, query: query, references: references, vision: result), vision: result)
                review = verdict.review
            }
            let digest = SHA256.hash(data: Data(bytes)).prefix(8).map { String(format: "%02x", $0) }.joined()
            let recorded = InspectedImage(path: "upload:\(digest)", result: result, error: nil, review: review)
            let report = try await Offload.run(timeout: service.configuration.requestTimeout) {
                try InspectionRunner(expert: service.vision, logger: service.logger)
                    .record(InspectionBatch(category: category, threshold: result.threshold, images: [recorded]), reportDirectory: nil)
            }
            service.metrics.recordOperation("inspect", seconds: (ContinuousClock.now - started).seconds)
            return try JSONBody.response(InspectAnswer(runID: report.runID, verdict: (recorded.verdict ?? result.verdict).rawValue,
                                                       result: result, review: review))
        }
        table.add(.get, "/v1/runs/:id") { request, context in
            let id = try context.parameters.require("id", as: Int64.self)
            let results = try await Offload.run(timeout: service.configuration.requestTimeout) { try service.store.results(ofRun: id) }
            guard !results.isEmpty else { throw ServiceError(.notFound, "unknown_run", "no run has id \(id)") }
            return try JSONBody.response(["run": AnyEncodable(id), "results": AnyEncodable(results.map(RunResultView.init))])
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
        table.add(.post, "/v1/knowledge") { request, context in
            let dataset = request.uri.queryParameters["dataset"].map(String.init)
            if let dataset { try Validate.identifier(dataset, what: "dataset", code: "invalid_parameter") }
            let body = try await request.body.collect(upTo: service.configuration.maxBodyBytes)
            let data = Data(body.readableBytesView)
            let counts = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> [String: Int] in
                let entries = try KnowledgeImporter.entries(from: data, source: "the request body", dataset: dataset)
                let counts = try service.store.importKnowledge(entries)
                return ["entries": entries.count, "added": counts.added, "replaced": counts.replaced, "categories": Set(entries.map(\.category)).count]
            }
            return try JSONBody.response(counts)
        }
        table.add(.get, "/v1/knowledge/:category") { request, context in
            let category = try Validate.categoryName(inPath: context.parameters.require("category"))
            let question = request.uri.queryParameters["question"].map(String.init)
            let entries = try await Offload.run(timeout: service.configuration.requestTimeout) { () throws -> [KnowledgeEntry] in
                if let question {
                    return try KnowledgeGuide(store: service.store).select(category: category, question: MultipleChoiceQuestion(text: question, options: [])).entries
                }
                return try service.store.knowledge(of: category)
            }
            guard !entries.isEmpty else { throw ServiceError(.notFound, "no_knowledge", "no knowledge for \"\(category)\"; POST it to /v1/knowledge") }
            return try JSONBody.response(entries)
        }
    }
}
