import EchoService
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing
@testable import EchoStore

@Suite("Internal failures reach a client as an id, never as SQL or a path")
struct ServiceErrorConcealmentTests {
    @Test("a database failure is a 500 with a stable code and an error id; the body holds no SQL, table or store path")
    func databaseFailureIsConcealed() async throws {
        let directory = try TemporaryDirectory()
        let service = try ServiceFixture.service(directory)
        try await ServiceFixture.application(service).test(.router) { client in
            let created = try await client.send(.post, "/v1/categories", body: ByteBuffer(string: "{\"name\": \"cups\"}"), contentType: "application/json")
            #expect(created.status == .created, "\(created.text)")
            // Damage the database under the running service: `stats` reads this table.
            try await service.store.database.write { db in try db.execute(sql: "DROP TABLE calibration_exclusions") }
            let failed = try await client.send(.get, "/v1/categories")
            #expect(failed.status == .internalServerError)
            #expect(failed.errorCode == "store_failed")
            let message = try #require((failed.json["error"] as? [String: Any])?["message"] as? String)
            let id = try #require(failed.headers[HTTPField.Name("Echo-Error-Id")!])
            #expect(message.contains("error id \(id)") && id.count == 12, "\(message)")
            for leak in ["SELECT", "calibration_exclusions", "no such table", directory.path, "sqlite"] {
                #expect(!failed.text.contains(leak), "the body leaks \(leak): \(failed.text)")
            }
            // A client's fault keeps its message: only internal failures are concealed.
            let unknown = try await client.send(.get, "/v1/categories/nothing/references")
            #expect(unknown.status == .notFound && unknown.text.contains("no category"))
        }
    }
}
