import FakeMLLMServer
import Foundation
import Testing

@Suite("Knowledge, eval and inspect --mllm through the CLI", .serialized)
struct ExpertCommandTests {
    static let knowledge = Paths.fixture("Tests/EchoExpertsTests/Fixtures/domain_knowledge_excerpt.json")
    static let sampleQuestions = Paths.fixture("Tests/EchoExpertsTests/Fixtures/sample-questions.json")
    static let photos = Paths.fixture("Tests/EchoEmbeddingTests/Fixtures")
    /// No MLLM from the caller's environment leaks into a test.
    static let noMLLM = ["ECHO_MLLM_URL": "", "ECHO_MLLM_MODEL": "", "ECHO_MLLM_API_KEY": ""]

    @Test("knowledge import, list and show --question")
    func knowledgeCommands() throws {
        let store = try TemporaryDirectory()
        let imported = try CommandRunner.run(["knowledge", "import", Self.knowledge, "--store", store.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 6 entries for 2 categories (6 new, 0 replaced)"))
        let list = try CommandRunner.run(["knowledge", "list", "--store", store.path])
        #expect(list.stdout.contains("bottle") && list.stdout.contains("MVTec") && list.stdout.contains("candle"))
        let show = try CommandRunner.run(["knowledge", "show", "bottle", "--question", "Is it contamination?", "--defects", "1", "--store", store.path])
        #expect(show.status == 0)
        #expect(show.stdout.contains("normal good") && show.stdout.contains("defect contamination") && !show.stdout.contains("broken_large"))
        let unknown = try CommandRunner.run(["knowledge", "show", "gearbox", "--store", store.path])
        #expect(unknown.status != 0 && unknown.stderr.contains("echoctl knowledge import"))
        let bad = try CommandRunner.run(["knowledge", "import", Self.sampleQuestions, "--store", store.path])
        #expect(bad.status != 0 && bad.stderr.contains("neither MMAD"))
    }

    @Test("eval mmad answers the real sample records through a served model and prints MMAD's table")
    func evalMMAD() async throws {
        let work = try TemporaryDirectory()
        let store = work.path + "/store"
        _ = try CommandRunner.run(["knowledge", "import", Self.knowledge, "--store", store])
        // The real records' images and templates, as generated PNGs.
        let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.sampleQuestions))) as! [String: [String: Any]]
        let source = try Data(contentsOf: URL(fileURLWithPath: Self.photos + "/coffee-224.png"))
        for (path, record) in records {
            for file in [path] + (record["similar_templates"] as! [String]) + (record["random_templates"] as! [String]) {
                let target = work.path + "/root/" + file
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try source.write(to: URL(fileURLWithPath: target))
            }
        }
        let missing = try CommandRunner.run(["eval", "mmad", "--root", work.path + "/root", "--questions", Self.sampleQuestions, "--out", work.path + "/a.json",
                                             "--store", store], environment: Self.noMLLM)
        #expect(missing.status != 0 && missing.stderr.contains("ECHO_MLLM_URL"))
        try await FakeMLLMServer.run(script: { request in
            request.lastUserText.contains("{\"observe\"") ? .answer("{\"observe\": \"o\", \"compare\": \"c\", \"decide\": \"d\"}") : .answer("A")
        }) { url, server in
            let run = try await CommandRunner.runDetached([
                "eval", "mmad", "--root", work.path + "/root", "--questions", Self.sampleQuestions, "--out", work.path + "/a.json",
                "--store", store, "--modules", "references,knowledge,reasoning", "--mllm-url", url, "--mllm-model", "fake-qwen",
            ], environment: Self.noMLLM)
            #expect(run.status == 0, "\(run.stderr)")
            // Always "A": AD right on both defective images, DC 0/2, DL 0/1, DD 1/2, DA 0/1.
            let row = try #require(run.stdout.split(separator: "\n").first { $0.contains("DS-MVTec") })
            let cells = row.split(separator: " ").map(String.init)
            #expect(cells == ["DS-MVTec", "8", "100.0", "0.0", "0.0", "50.0", "0.0", "-", "-", "30.0"], "\(row)")
            #expect(server.requests.count == 16)
            #expect(server.violations.isEmpty)
        }
        let answers = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work.path + "/a.json"))) as! [[String: Any]]
        #expect(answers.count == 8 && answers.allSatisfy { $0["gpt_answer"] as? String == "A" })
    }

    @Test("inspect --mllm: the experts decide and say so; without a configured MLLM the vision verdict stands, flagged")
    func inspectWithExperts() async throws {
        let work = try TemporaryDirectory()
        let store = work.path + "/store"
        let golden = work.path + "/golden"
        try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        for name in ["coffee-224.png", "chelsea.jpg"] { try FileManager.default.copyItem(atPath: Self.photos + "/" + name, toPath: golden + "/" + name) }
        #expect(try CommandRunner.run(["ingest", golden, "-c", "photos", "--store", store]).status == 0)
        #expect(try CommandRunner.run(["calibrate", "-c", "photos", "--store", store]).status == 0)
        let query = golden + "/chelsea.jpg"
        let alone = try CommandRunner.run(["inspect", query, "-c", "photos", "--store", store, "--mllm"], environment: Self.noMLLM)
        #expect(alone.stderr.contains("no MLLM configured"))
        #expect(alone.stdout.contains("vision expert (no MLLM configured)"), "\(alone.stdout)")

        try await FakeMLLMServer.run(script: { request in
            request.lastUserText.contains("{\"observe\"")
                ? .answer("{\"observe\": \"a cat\", \"compare\": \"a scratch at the top left\", \"decide\": \"defective\"}")
                : .answer("{\"verdict\": \"anomalous\", \"defect\": \"scratch\", \"region\": \"top left\", \"explanation\": \"A scratch on the top left.\"}")
        }) { url, server in
            let run = try await CommandRunner.runDetached(["inspect", query, "-c", "photos", "--store", store, "--mllm", "--json",
                                                           "--report", work.path + "/report", "--mllm-url", url, "--mllm-model", "fake-qwen"],
                                                          environment: Self.noMLLM)
            #expect(run.status == 3, "anomalous exits 3: \(run.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
            let image = try #require((report["images"] as? [[String: Any]])?.first)
            let review = try #require(image["review"] as? [String: Any])
            #expect(review["decidedBy"] as? String == "experts" && review["verdict"] as? String == "anomalous" && review["defect"] as? String == "scratch")
            #expect((image["result"] as? [String: Any])?["verdict"] as? String == "normal", "the golden image itself is normal to the vision expert")
            #expect(server.requests.count == 2 && server.requests.allSatisfy { $0.images.count == 2 })
            let html = try String(contentsOfFile: work.path + "/report/index.html", encoding: .utf8)
            #expect(html.contains("experts:") && html.contains("A scratch on the top left.") && html.contains("reasoning"))
        }
    }
}
