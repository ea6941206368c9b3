import EchoApplication
import Foundation

/// The service's OpenAPI 3.1 document, served at `/openapi.json` and `/openapi.yaml`. A
/// test checks that its paths and methods are exactly the routes the router serves.
enum OpenAPIDocument {
    /// The codes the HTTP layer itself answers with, by status, for every operation of a
    /// kind (authentication, bodies, timeouts).
    static func serviceCodes(for operation: Operation) -> [Int: [String]] {
        var codes: [Int: [String]] = [405: ["method_not_allowed"]]
        if operation.access != .public {
            codes[401] = ["missing_token", "invalid_token"]
            codes[503] = ["timeout", "database_unavailable"]
        }
        if operation.access == .write { codes[403] = ["read_only_token"] }
        if operation.method == .post {
            codes[413, default: []].append("body_too_large")
            if operation.path.hasSuffix("/query") || operation.path.hasSuffix("/inspect") || operation.path.hasSuffix("/references") {
                codes[400, default: []].append("empty_body")
                codes[415, default: []].append("unsupported_media_type")
            } else {
                codes[400, default: []].append("bad_json")
            }
        }
        return codes
    }

    /// Every error code `operation` can answer with, by HTTP status: its use case's codes
    /// (`Operation.errors`, at `ServiceError.status(of:)`) and the HTTP layer's own.
    static func errorCodes(of operation: Operation) -> [Int: [String]] {
        var codes = serviceCodes(for: operation)
        for code in operation.errors {
            codes[Int(ServiceError.status(of: code).code), default: []].append(code.rawValue)
        }
        return codes.mapValues { Array(Set($0)).sorted() }
    }

    /// The document for `operations`: `source` with, on each operation, a response for
    /// every status it can answer and `x-error-codes` listing the codes under each status
    /// (which `components.x-error-codes` describes).
    static func json(for operations: [Operation]) -> String {
        guard var document = try? JSONSerialization.jsonObject(with: Data(source.utf8)) as? [String: Any],
              var paths = document["paths"] as? [String: [String: Any]] else { return source }
        let error: [String: Any] = ["$ref": "#/components/responses/error"]
        for operation in operations {
            let method = operation.method.rawValue.lowercased()
            guard var item = paths[operation.openAPIPath], var entry = item[method] as? [String: Any] else { continue }
            var responses = entry["responses"] as? [String: Any] ?? [:]
            let codes = errorCodes(of: operation)
            for status in codes.keys { responses[String(status)] = responses[String(status)] ?? error }
            entry["responses"] = responses
            entry["x-error-codes"] = Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) })
            item[method] = entry
            paths[operation.openAPIPath] = item
        }
        document["paths"] = paths
        if var components = document["components"] as? [String: Any] {
            components["x-error-codes"] = Dictionary(uniqueKeysWithValues: EchoError.Code.allCases.map {
                ($0.rawValue, ["status": Int(ServiceError.status(of: $0).code)] as [String: Any])
            })
            document["components"] = components
        }
        guard let data = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]) else { return source }
        return String(decoding: data, as: UTF8.self)
    }

    static let source = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Echo",
        "version": "1",
        "description": "Echo's reference database and inspection pipeline over HTTP. Every route but /healthz and the OpenAPI document needs `Authorization: Bearer TOKEN`; changes to references, categories and knowledge need a read-write token, while reads, queries and inspections take a read-only one. Errors are JSON: {\"error\": {\"code\": \"...\", \"message\": \"...\"}}."
      },
      "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "parameters": {
          "category": {"name": "category", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$", "not": {"enum": [".", ".."]}}},
          "id": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}
        },
        "requestBodies": {
          "image": {"required": true, "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}}
          }}
        },
        "schemas": {
          "RunStatus": {"type": "object", "required": ["id", "category", "state", "images", "recorded", "inProgress", "queued"],
            "properties": {"id": {"type": "integer"}, "category": {"type": "string"}, "state": {"type": "string", "enum": ["enqueuing", "running", "finished"]},
              "queued": {"type": "boolean"}, "images": {"type": "integer"}, "recorded": {"type": "integer"}, "inProgress": {"type": "integer"},
              "referenceSetVersion": {"type": "integer"}, "threshold": {"type": ["number", "null"]}, "startedAt": {"type": "string"},
              "finishedAt": {"type": ["string", "null"]}, "summary": {"type": "object", "additionalProperties": {"type": "integer"}}}},
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
          "Reference": {"type": "object", "properties": {"id": {"type": "integer"}, "category": {"type": "string"}, "sha256": {"type": "string"},
            "sourcePath": {"type": "string"}, "width": {"type": "integer"}, "height": {"type": "integer"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}}, "createdAt": {"type": "string"}}},
          "Match": {"type": "object", "properties": {"reference": {"$ref": "#/components/schemas/Reference"}, "similarity": {"type": "number"}}},
          "KnowledgeText": {"type": "string", "pattern": "\\S"},
          "ProductKnowledge": {"type": "object", "required": ["category"],
            "properties": {"category": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$", "not": {"enum": [".", ".."]}},
              "normal": {"$ref": "#/components/schemas/KnowledgeText"},
              "defects": {"type": "array", "items": {"type": "object", "required": ["name", "description"], "properties": {
                "name": {"type": "string", "pattern": "^[A-Za-z0-9._ -]{1,100}$", "not": {"const": "good"}}, "title": {"type": "string"},
                "description": {"$ref": "#/components/schemas/KnowledgeText"}, "tolerance": {"type": "string"}}}}},
            "anyOf": [{"required": ["normal"]}, {"required": ["defects"], "properties": {"defects": {"minItems": 1}}}]},
          "KnowledgeFile": {"oneOf": [
            {"description": "MMAD's domain_knowledge.json: {dataset: {class: {key: text}}}", "type": "object", "minProperties": 1, "not": {"required": ["category"]},
              "propertyNames": {"pattern": "^[A-Za-z0-9._-]{1,100}$"},
              "additionalProperties": {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[A-Za-z0-9._-]{1,100}$"},
                "additionalProperties": {"type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[A-Za-z0-9._ -]{1,100}$"},
                  "additionalProperties": {"$ref": "#/components/schemas/KnowledgeText"}}}},
            {"$ref": "#/components/schemas/ProductKnowledge"},
            {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/ProductKnowledge"}}]},
          "Knowledge": {"type": "object", "properties": {"category": {"type": "string"}, "dataset": {"type": ["string", "null"]}, "key": {"type": "string"},
            "kind": {"enum": ["normal", "defect"]}, "title": {"type": "string"}, "description": {"type": "string"}, "tolerance": {"type": ["string", "null"]}}}
        },
        "responses": {
          "error": {"description": "A client error (4xx) or a service error (5xx)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      },
      "security": [{"bearer": []}],
      "paths": {
        "/readyz": {"get": {"summary": "Readiness: the store answers", "security": [], "responses": {"200": {"description": "Ready", "content": {"application/json": {"schema": {"type": "object"}}}}, "503": {"$ref": "#/components/responses/error"}}}},
        "/healthz": {"get": {"summary": "Liveness", "security": [], "responses": {"200": {"description": "Up", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {"schema": {"type": "string"}}}}, "401": {"$ref": "#/components/responses/error"}}}},
        "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/openapi.yaml": {"get": {"summary": "This document (JSON is YAML 1.2)", "security": [], "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/yaml": {"schema": {"type": "object"}}}}}}},
        "/": {"get": {"summary": "The web console (HTML; it signs in with an API token and uses this API)", "security": [], "responses": {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/console/console.css": {"get": {"summary": "The web console's stylesheet", "security": [], "responses": {"200": {"description": "CSS", "content": {"text/css": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/console/core.js": {"get": {"summary": "The web console's core script", "security": [], "responses": {"200": {"description": "JavaScript", "content": {"text/javascript": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/console/views.js": {"get": {"summary": "The web console's pages", "security": [], "responses": {"200": {"description": "JavaScript", "content": {"text/javascript": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/console/inspection.js": {"get": {"summary": "The web console's inspection view", "security": [], "responses": {"200": {"description": "JavaScript", "content": {"text/javascript": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/console/icon.svg": {"get": {"summary": "The web console's icon", "security": [], "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {"schema": {"type": "string"}}}}, "304": {"description": "Not modified"}}}},
        "/v1/session": {"get": {"summary": "What the caller's token may do (read-write or read-only), whether the service checks tokens, whether an MLLM is configured",
            "responses": {"200": {"description": "The session", "content": {"application/json": {"schema": {"type": "object", "required": ["access", "authenticated", "mllm"],
              "properties": {"access": {"enum": ["read-write", "read-only"]}, "authenticated": {"type": "boolean"}, "mllm": {"type": "boolean"}}}}}}, "401": {"$ref": "#/components/responses/error"}}}},
        "/v1/categories/{category}/calibrate": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "post": {"summary": "Set the category's threshold from its golden samples; optionally first build (memoryBank=build, coreset ratio) or drop (memoryBank=drop) its memory bank",
            "parameters": [{"name": "quantile", "in": "query", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}},
              {"name": "neighbours", "in": "query", "schema": {"type": "integer", "minimum": 1}},
              {"name": "memoryBank", "in": "query", "schema": {"enum": ["keep", "build", "drop"]}},
              {"name": "coreset", "in": "query", "description": "The share of patches a built memory bank keeps (default 0.1)", "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}],
            "responses": {"200": {"description": "The calibration, and the memory bank built or dropped", "content": {"application/json": {"schema": {"type": "object", "required": ["calibration", "memoryBankRemoved"]}}}}}}
        },
        "/v1/references/{id}/thumbnail": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "get": {"summary": "A golden sample scaled down (PNG; the ETag is its SHA-256 and the size)",
            "parameters": [{"name": "size", "in": "query", "description": "The longer side at most, in pixels (default 160)", "schema": {"type": "integer", "minimum": 16, "maximum": 1024}},
              {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The thumbnail", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}, "304": {"description": "Not modified"}}}
        },
        "/v1/runs": {
          "get": {"summary": "Recorded runs, newest first",
            "parameters": [{"name": "category", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$"}},
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
              {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "Runs", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/RunStatus"}}}}}}}
        },
        "/v1/runs/{id}/results/{index}/image": {
          "parameters": [{"$ref": "#/components/parameters/id"}, {"name": "index", "in": "path", "required": true, "description": "The result's position in the run, from 0", "schema": {"type": "integer", "minimum": 0}}],
          "get": {"summary": "The image a recorded result was inspected on, scaled down (PNG): an upload inspected with keep=true, or an image file still where it was inspected",
            "parameters": [{"name": "size", "in": "query", "description": "The longer side at most, in pixels (default 512)", "schema": {"type": "integer", "minimum": 16, "maximum": 1024}},
              {"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The image", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}, "304": {"description": "Not modified"}}}
        },
        "/v1/categories": {
          "get": {"summary": "Categories with their figures (drift=true: also the score drift of recent runs)", "parameters": [{"name": "drift", "in": "query", "schema": {"type": "boolean"}}], "responses": {"200": {"description": "Statistics per category", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}, "401": {"$ref": "#/components/responses/error"}}},
          "post": {"summary": "Create a category (idempotent)", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"],
              "properties": {"name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$", "not": {"enum": [".", ".."]}},
                "index": {"type": ["string", "null"], "pattern": "^(Flat|HNSW([2-9]|[1-9][0-9])|IVF[1-9][0-9]{0,3},Flat)$", "description": "FAISS index: Flat (exact, default), HNSW<M>, IVF<lists>,Flat"}}}}}},
            "responses": {"201": {"description": "Created or already there", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/error"}, "401": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/categories/{category}/references": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "get": {"summary": "List references", "parameters": [
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
              {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "References", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Reference"}}}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}},
          "post": {"summary": "Ingest a golden sample (the image is the body; metadata as meta.KEY=VALUE query parameters or an Echo-Metadata JSON header)",
            "parameters": [{"name": "Echo-Metadata", "in": "header", "schema": {"type": "string"}}],
            "requestBody": {"$ref": "#/components/requestBodies/image"},
            "responses": {"201": {"description": "Added (with `warnings` when the new golden sample scores like a defect against the calibration)", "content": {"application/json": {"schema": {"type": "object"}}}}, "200": {"description": "Already present (same bytes)", "content": {"application/json": {"schema": {"type": "object"}}}},
              "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}, "413": {"$ref": "#/components/responses/error"}, "415": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/references/{id}": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "delete": {"summary": "Remove a reference", "responses": {"200": {"description": "The removed reference", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reference"}}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/references/{id}/image": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "get": {"summary": "A golden sample's image file (content-addressed: the ETag is its SHA-256)",
            "parameters": [{"name": "If-None-Match", "in": "header", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The image", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}, "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
              "304": {"description": "Not modified"}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/categories/{category}/query": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "post": {"summary": "The k nearest golden samples of an image", "parameters": [{"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
            "requestBody": {"$ref": "#/components/requestBodies/image"},
            "responses": {"200": {"description": "Matches, most similar first", "content": {"application/json": {"schema": {"type": "object", "properties": {"category": {"type": "string"}, "matches": {"type": "array", "items": {"$ref": "#/components/schemas/Match"}}}}}}},
              "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}, "413": {"$ref": "#/components/responses/error"}, "415": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/categories/{category}/inspect": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "post": {"summary": "Inspect an image: the vision expert, and the MLLM experts with mllm=true when configured; recorded as a run",
            "parameters": [{"name": "mllm", "in": "query", "schema": {"type": "boolean"}},
              {"name": "keep", "in": "query", "description": "Keep the image in the store's uploads so the run can show it (GET /v1/runs/{id}/results/{index}/image); default false (only the scores are recorded)", "schema": {"type": "boolean"}}],
            "requestBody": {"$ref": "#/components/requestBodies/image"},
            "responses": {"200": {"description": "Verdict, score, threshold, references, map, explanation", "content": {"application/json": {"schema": {"type": "object"}}}},
              "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}, "413": {"$ref": "#/components/responses/error"}, "415": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/categories/{category}/runs": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "post": {"summary": "Start a queued run (PostgreSQL store): add images, then seal it for the workers",
            "parameters": [{"name": "neighbours", "in": "query", "schema": {"type": "integer", "minimum": 1}}, {"name": "mllm", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"201": {"description": "The run, enqueuing", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunStatus"}}}},
              "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/runs/{id}/images": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "post": {"summary": "Add an image to a queued run being enqueued",
            "parameters": [{"name": "name", "in": "query", "description": "What the image is reported as", "schema": {"type": "string", "minLength": 1, "maxLength": 1024}}],
            "requestBody": {"$ref": "#/components/requestBodies/image"},
            "responses": {"202": {"description": "The run, one image more", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunStatus"}}}},
              "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}, "413": {"$ref": "#/components/responses/error"}, "415": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/runs/{id}/seal": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "post": {"summary": "Open a queued run to the workers (no image can be added afterwards)",
            "responses": {"200": {"description": "The run, running", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunStatus"}}}},
              "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}, "409": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/runs/{id}": {
          "parameters": [{"$ref": "#/components/parameters/id"}],
          "get": {"summary": "A run's progress (state; images recorded of all, in progress) and its results so far", "responses": {"200": {"description": "Status and results", "content": {"application/json": {"schema": {"type": "object", "properties": {"run": {"type": "integer"}, "status": {"$ref": "#/components/schemas/RunStatus"}, "results": {"type": "array", "items": {"type": "object"}}}}}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/knowledge": {
          "post": {"summary": "Import knowledge (MMAD's domain_knowledge.json or Echo's format)", "parameters": [{"name": "dataset", "in": "query", "description": "Only this dataset of an MMAD file (an Echo-format body with a dataset is a 400)", "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KnowledgeFile"}}}},
            "responses": {"200": {"description": "Counts", "content": {"application/json": {"schema": {"type": "object"}}}}, "400": {"$ref": "#/components/responses/error"}, "403": {"$ref": "#/components/responses/error"}, "413": {"$ref": "#/components/responses/error"}}}
        },
        "/v1/knowledge/{category}": {
          "parameters": [{"$ref": "#/components/parameters/category"}],
          "get": {"summary": "A category's knowledge, or the selection for a question", "parameters": [{"name": "question", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Entries", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Knowledge"}}}}}, "400": {"$ref": "#/components/responses/error"}, "404": {"$ref": "#/components/responses/error"}}}
        }
      }
    }
    """#
}
