import EchoExperts
import EchoMLLM
import EchoService
import FakeMLLMServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("The HTTP service over a real socket")
struct ServiceLiveTests {
    @Test("ingest, query and an MLLM-reviewed inspection over loopback TCP")
    func liveRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        try await FakeMLLMServer.run(script: { request in
            request.lastUserText.contains("{\"observe\"")
                ? .answer("{\"observe\": \"fur\", \"compare\": \"a red line\", \"decide\": \"defective\"}")
                : .answer("{\"verdict\": \"anomalous\", \"defect\": \"scratch\", \"region\": \"bottom right\", \"explanation\": \"A red scratch.\"}")
        }) { url, server in
            var configuration = MLLMConfiguration(url: url, model: "fake-qwen")
            configuration.maxRetries = 0
            let model = try MLLMClient(configuration: configuration, logger: ServiceFixture.logger)
            let store = try ServiceFixture.service(directory).store
            let panel = ExpertPanel(model: model, knowledge: KnowledgeGuide(store: store), modules: ExpertModules(), logger: ServiceFixture.logger)
            let service = ServiceContext(store: store, embedder: try ServiceFixture.embedder.get(), panel: panel,
                                         configuration: ServiceFixture.configuration(), logger: ServiceFixture.logger)
            try await ServiceFixture.application(service).test(.live) { client in
                #expect(try await client.send(.get, "/healthz", token: nil).status == .ok)
                for (dx, dy) in [(0, 0), (4, 0), (0, 4)] {
                    let added = try await client.send(.post, "/v1/categories/parts/references", body: try ServiceFixture.crop(dx: dx, dy: dy), contentType: "image/png")
                    #expect(added.status == .created, "\(added.text)")
                }
                let query = try await client.send(.post, "/v1/categories/parts/query?k=3", token: ServiceFixture.reader,
                                                  body: try ServiceFixture.crop(dx: 1, dy: 1), contentType: "image/png")
                #expect((query.json["matches"] as? [Any])?.count == 3, "\(query.status) \(query.text)")
                let inspected = try await client.send(.post, "/v1/categories/parts/inspect?mllm=true", body: try ServiceFixture.crop(dx: 1, dy: 1, scratch: true),
                                                      contentType: "image/png")
                #expect(inspected.status == .ok, "\(inspected.text)")
                let review = try #require(inspected.json["review"] as? [String: Any])
                #expect(review["decidedBy"] as? String == "experts" && review["defect"] as? String == "scratch")
                #expect(inspected.json["verdict"] as? String == "anomalous")
            }
            #expect(server.requests.count == 2 && server.violations.isEmpty)
            #expect(server.requests.last?.images.count == 2, "one reference and the query")
        }
    }
}
