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
            // Always "A": AD right on both defective images (and no normal side: MMAD counts it 0), DC 0/2, DL 0/1, DD 1/2,
            // DA 0/1; recall, precision and F1 100, overkill 100 (no normal image right), miss 0.
            let rows = run.stdout.split(separator: "\n").filter { $0.hasPrefix("DS-MVTec") }
            #expect(rows.count == 2, "MMAD's table, then Echo's strict one")
            let cells = rows[0].split(separator: " ").map(String.init)
            #expect(cells == ["DS-MVTec", "50.0", "0.0", "0.0", "50.0", "0.0", "20.0", "100.0", "100.0", "100.0", "100.0", "0.0"], "\(rows[0])")
            #expect(rows[1].split(separator: " ").map(String.init) == ["DS-MVTec", "8", "100.0", "0.0", "0.0", "50.0", "0.0", "-", "-", "30.0"], "\(rows[1])")
            #expect(server.requests.count == 16)
            #expect(server.violations.isEmpty)
        }
        let answers = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work.path + "/a.json"))) as! [[String: Any]]
        #expect(answers.count == 8 && answers.allSatisfy { $0["gpt_answer"] as? String == "A" })
    }

    @Test("eval mmad runs MMAD's baseline with no store at all, and MMAD's domain knowledge from its file")
    func evalMMADWithoutStore() async throws {
        let work = try TemporaryDirectory()
        let records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.sampleQuestions))) as! [String: [String: Any]]
        let source = try Data(contentsOf: URL(fileURLWithPath: Self.photos + "/coffee-224.png"))
        for (path, record) in records {
            for file in [path] + (record["random_templates"] as! [String]) {
                let target = work.path + "/root/" + file
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try source.write(to: URL(fileURLWithPath: target))
            }
        }
        let unused = work.path + "/no-store"
        try await FakeMLLMServer.run(script: { _ in .answer("B") }) { url, server in
            let run = try await CommandRunner.runDetached([
                "eval", "mmad", "--root", work.path + "/root", "--questions", Self.sampleQuestions, "--out", work.path + "/a.json",
                "--domain-knowledge", Self.knowledge, "--mllm-url", url, "--mllm-model", "fake-qwen", "--json",
            ], environment: Self.noMLLM.merging(["ECHO_STORE": unused]) { _, new in new })
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: unused), "no store opened or made")
            #expect(server.requests.count == 8 && server.requests.allSatisfy { $0.roles == ["user"] })
            #expect(server.requests[0].allText.contains("Following is the domain knowledge which contains some type of defect"))
            let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
            #expect(report["answers"] as? Int == 8 && report["dropped"] as? Int == 0)
        }
    }

    @Test("eval mmad-score scores MMAD's own answers file as summary.py does and writes its _accuracy.csv layout")
    func mmadScore() throws {
        let work = try TemporaryDirectory()
        let answers = work.path + "/answers_1_shot_model.json"
        try Data("""
            [{"image": "VisA/candle/test/bad/0.png", "question": {"type": "text", "text": "Question 1: q \\nA. Yes.\\nB. No.\\n", "options": {"A": "Yes.", "B": "No."}},
              "question_type": "Anomaly Detection", "correct_answer": "A", "gpt_answer": "A"},
             {"image": "VisA/candle/test/good/0.png", "question": "Question 1: q", "question_type": "Anomaly Detection", "correct_answer": "B", "gpt_answer": "maybe"},
             {"image": "VisA/candle/test/good/1.png", "question": "Question 1: q", "question_type": "Anomaly Detection", "correct_answer": "B", "gpt_answer": "B"},
             {"image": "VisA/candle/test/good/2.png", "question": "Question 1: q", "question_type": "Anomaly Detection", "correct_answer": "B", "gpt_answer": "A"}]
            """.utf8).write(to: URL(fileURLWithPath: answers))
        let run = try CommandRunner.run(["eval", "mmad-score", answers, "--csv", work.path + "/out.csv"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("summary.py dropped 1 answers whose letter is not A-E, and skipped the 1 answers right after them"))
        // Counted: the defective image (right) and good/2 (wrong): (0 + 1) / 2.
        let csv = try String(contentsOfFile: work.path + "/out.csv", encoding: .utf8)
        #expect(csv == """
            ,Anomaly Detection,Average,Recall,Precision,F1,Overkill,Miss
            VisA,50.0,50.0,100.0,50.0,66.66666666666666,100.0,0.0
            Average,50.0,50.0,100.0,50.0,66.66666666666666,100.0,0.0

            """)
        let bad = try CommandRunner.run(["eval", "mmad-score", Self.sampleQuestions])
        #expect(bad.status != 0 && bad.stderr.contains("not an MMAD answers file"))
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
