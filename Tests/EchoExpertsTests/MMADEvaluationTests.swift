import EchoEmbedding
import EchoMLLM
import EchoStore
import EchoVision
import FakeMLLMServer
import Foundation
import Testing
@testable import EchoExperts

/// A small MMAD-format dataset with generated images: the two real sample records (as
/// DS-MVTec bottle defects), two normal bottles, and a VisA candle pair.
struct MiniMMAD {
    let root: String
    let questionsPath: String
    /// Query path → (question text → correct letter, type).
    let truth: [String: [(text: String, answer: String, type: String, options: [String: String])]]
    /// Image bytes → query path (how the fake model knows which image it is shown).
    let pathOfImage: [Data: String]
    let templateBytes: [String: Data]

    static let d1 = "DS-MVTec/bottle/image/broken_large/000.png", d2 = "DS-MVTec/bottle/image/broken_large/001.png"
    static let g1 = "DS-MVTec/bottle/image/good/000.png", g2 = "DS-MVTec/bottle/image/good/001.png"
    static let v1 = "VisA/candle/test/bad/000.png", v2 = "VisA/candle/test/good/000.png"

    init(_ directory: TemporaryDirectory) throws {
        root = directory.path + "/mmad"
        var records = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ExpertFixture.sampleQuestions))) as! [String: Any]
        func question(_ text: String, _ answer: String, _ options: [String: String], _ type: String) -> [String: Any] {
            ["Question": text, "Answer": answer, "Options": options, "type": type, "annotation": true]
        }
        let yesNo = ["A": "Yes.", "B": "No."]
        let ad = "Is there any defect in the object?"
        func record(_ conversation: [[String: Any]], similar: [String], random: [String]) -> [String: Any] {
            ["image_path": "image", "conversation": conversation, "mask_path": "", "similar_templates": similar, "random_templates": random]
        }
        records[Self.g1] = record([question(ad, "B", yesNo, "Anomaly Detection")],
                                  similar: ["MVTec-AD/bottle/train/good/004.png"], random: ["MVTec-AD/bottle/train/good/032.png"])
        records[Self.g2] = record([
            question(ad, "B", yesNo, "Anomaly Detection"),
            question("What is the shape of the object's opening?", "A", ["A": "Circular.", "B": "Square.", "C": "Oval."], "Object Structure"),
            question("What colour is the object?", "C", ["A": "Red.", "B": "Blue.", "C": "Green-brown.", "D": "White."], "Object Details"),
        ], similar: ["MVTec-AD/bottle/train/good/026.png"], random: ["MVTec-AD/bottle/train/good/031.png"])
        records[Self.v1] = record([question(ad, "A", yesNo, "Anomaly Detection")],
                                  similar: ["VisA/candle/train/good/000.png"], random: ["VisA/candle/train/good/001.png"])
        records[Self.v2] = record([question(ad, "B", yesNo, "Anomaly Detection")],
                                  similar: ["VisA/candle/train/good/001.png"], random: ["VisA/candle/train/good/000.png"])
        questionsPath = directory.path + "/mmad.json"
        try JSONSerialization.data(withJSONObject: records).write(to: URL(fileURLWithPath: questionsPath))

        var truth: [String: [(String, String, String, [String: String])]] = [:]
        var pathOfImage: [Data: String] = [:]
        var templateBytes: [String: Data] = [:]
        var seed = 10
        for (path, value) in records.sorted(by: { $0.key < $1.key }) {
            let record = value as! [String: Any]
            truth[path] = (record["conversation"] as! [[String: Any]]).map {
                ($0["Question"] as! String, $0["Answer"] as! String, $0["type"] as! String, $0["Options"] as! [String: String])
            }
            let image = try ExpertFixture.png(seed: seed, spot: !MMADQuestions.isNormal(path))
            seed += 1
            try Self.write(image, to: root + "/" + path)
            pathOfImage[image] = path
            for template in (record["similar_templates"] as! [String]) + (record["random_templates"] as! [String]) where templateBytes[template] == nil {
                let bytes = try ExpertFixture.png(seed: seed)
                seed += 1
                try Self.write(bytes, to: root + "/" + template)
                templateBytes[template] = bytes
            }
        }
        self.truth = truth
        self.pathOfImage = pathOfImage
        self.templateBytes = templateBytes
    }

    static func write(_ data: Data, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// The fake model: correct except (G2, AD), (D2, DC) and (G2, Object Details) wrong,
    /// (D1, DL) unparseable and (D1, DD) in prose; `failing` images answer 500.
    func script(failing: Set<String> = []) -> @Sendable (FakeRequest) async -> FakeReply {
        let truth = truth, pathOfImage = pathOfImage
        return { request in
            if request.lastUserText.contains("{\"observe\"") { return .answer("{\"observe\": \"o\", \"compare\": \"c\", \"decide\": \"d\"}") }
            guard let query = request.images.last, let path = pathOfImage[query] else { return .status(400, message: "unknown query image") }
            if failing.contains(path) { return .status(500, message: "GPU fell over") }
            guard let asked = truth[path]?.first(where: { request.lastUserText.contains("Question:\n" + $0.text) }) else {
                return .status(400, message: "question not found")
            }
            let wrong = asked.options.keys.sorted().first { $0 != asked.answer }!
            switch (path, asked.type) {
            case (MiniMMAD.g2, "Anomaly Detection"), (MiniMMAD.d2, "Defect Classification"), (MiniMMAD.g2, "Object Details"): return .answer(wrong)
            case (MiniMMAD.d1, "Defect Localization"): return .answer("I cannot tell.")
            case (MiniMMAD.d1, "Defect Description"): return .answer("After comparing, the answer is (\(asked.answer)).")
            default: return .answer(asked.answer)
            }
        }
    }

    func evaluation(_ url: String, store: ReferenceStore?, modules: ExpertModules = { var m = ExpertModules(); m.visionEvidence = false; return m }(),
                    vision: VisionExpert? = nil) throws -> MMADEvaluation {
        let panel = ExpertPanel(model: try fakeModel(url), knowledge: store.map { KnowledgeGuide(store: $0) }, modules: modules, logger: ExpertFixture.logger)
        return MMADEvaluation(panel: panel, vision: vision, logger: ExpertFixture.logger)
    }

    func options(_ out: String, mode: MMADReferenceMode = .similar, limit: Int? = nil) -> MMADEvaluation.Options {
        var options = MMADEvaluation.Options(root: root, outputPath: out)
        options.referenceMode = mode
        options.limit = limit
        options.concurrency = 3
        return options
    }
}

@Suite("The MMAD evaluation")
struct MMADEvaluationTests {
    @Test("end to end: answers in MMAD's format and the accuracy table equal the hand-computed values")
    func endToEnd() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let store = try ExpertFixture.knowledgeStore(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        #expect(questions.records.count == 6)
        let out = directory.path + "/answers.json"
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: store).run(questions, options: mini.options(out))
            #expect(summary.answers == 14 && summary.resumed == 0)
            #expect(server.violations.isEmpty, "\(server.violations)")
            #expect(server.requests.count == 28, "a reasoning and a decision call per question")
            let rows = Dictionary(uniqueKeysWithValues: summary.scores.rows.map { ($0.dataset, $0) })
            let mvtec = try #require(rows["DS-MVTec"]), visa = try #require(rows["VisA"]), all = try #require(rows["all"])
            let expected: [String: Double] = ["Anomaly Detection": 0.75, "Defect Classification": 0.5, "Defect Localization": 0,
                                              "Defect Description": 1, "Defect Analysis": 1, "Object Analysis": 0.5]
            #expect(mvtec.accuracy == expected)
            #expect(abs(mvtec.average! - 0.625) < 1e-9)
            #expect(visa.accuracy == ["Anomaly Detection": 1] && visa.questions == 2)
            #expect(abs(all.accuracy["Anomaly Detection"]! - (2.0 / 3.0 + 1) / 2) < 1e-9)
            #expect(abs(all.average! - (((2.0 / 3.0 + 1) / 2) + 0.5 + 0 + 1 + 1 + 0.5) / 6) < 1e-9)
            #expect(summary.scores.unanswered == 1)
        }
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [[String: Any]]
        #expect(written.count == 14)
        for answer in written {
            for key in ["image", "question", "question_type", "correct_answer", "gpt_answer"] { #expect(answer[key] is String, "\(key)") }
        }
        #expect(written.first?["image"] as? String == MiniMMAD.d1 && written.first?["question_type"] as? String == "Anomaly Detection")
        let unparsed = try #require(written.first { $0["question_type"] as? String == "Defect Localization" })
        #expect(unparsed["gpt_answer"] as? String == "" && unparsed["echo_problem"] as? String == "unparseable answer")
        #expect(!FileManager.default.fileExists(atPath: out + ".partial.jsonl"))
    }

    @Test("a limited run resumes: answered questions are not asked again, failed calls are")
    func resumes() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let store = try ExpertFixture.knowledgeStore(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let out = directory.path + "/answers.json"
        var modules = ExpertModules()
        modules.reasoning = false
        modules.visionEvidence = false
        let noReasoning = modules
        try await FakeMLLMServer.run(script: mini.script(failing: [MiniMMAD.g1])) { url, server in
            let first = try await mini.evaluation(url, store: store, modules: noReasoning).run(questions, options: mini.options(out, limit: 3))
            #expect(first.answers == 9 && server.requests.count == 9)
            #expect(first.scores.unanswered == 2, "D1's unparseable answer and G1's failed call")
        }
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let second = try await mini.evaluation(url, store: store, modules: noReasoning).run(questions, options: mini.options(out))
            #expect(second.resumed == 8, "G1's failed answer is dropped to be asked again")
            #expect(second.answers == 14)
            #expect(server.requests.count == 6, "G1 again, then G2 (3), V1, V2")
            #expect(second.scores.unanswered == 1)
        }
    }

    @Test("a run killed mid-way resumes from its journal, a torn last line dropped")
    func journalAfterKill() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let out = directory.path + "/answers.json"
        let done = MMADAnswer(image: MiniMMAD.g1, question: "Is there any defect in the object?", questionType: "Anomaly Detection",
                              correctAnswer: "B", answer: "B", problem: nil, match: "exact")
        try (JSONEncoder.lines.encode(done) + Data("\n{\"image\": \"DS-MVTec/bot".utf8)).write(to: URL(fileURLWithPath: out + ".partial.jsonl"))
        var modules = ExpertModules()
        modules.reasoning = false
        modules.visionEvidence = false
        modules.knowledge = false
        let chosen = modules
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: nil, modules: chosen).run(questions, options: mini.options(out))
            #expect(summary.resumed == 1 && summary.answers == 14)
            #expect(server.requests.count == 13)
        }
    }

    @Test("reference modes show the record's similar or random template, or none")
    func referenceModes() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let record = try #require(questions.records.first { $0.path == MiniMMAD.g1 }?.record)
        var modules = ExpertModules()
        modules.reasoning = false
        modules.visionEvidence = false
        modules.knowledge = false
        let chosen = modules
        for mode in [MMADReferenceMode.similar, .random, .none] {
            try await FakeMLLMServer.run(script: mini.script()) { url, server in
                _ = try await mini.evaluation(url, store: nil, modules: chosen).run(questions, options: mini.options(directory.path + "/\(mode).json", mode: mode))
                let query = mini.pathOfImage.first { $0.value == MiniMMAD.g1 }!.key
                let shown = try #require(server.requests.first { $0.images.last == query }).images
                switch mode {
                case .similar: #expect(shown == [mini.templateBytes[record.similarTemplates[0]]!, query])
                case .random: #expect(shown == [mini.templateBytes[record.randomTemplates[0]]!, query])
                default: #expect(shown == [query])
                }
            }
        }
    }

    @Test("retrieved references come from a store built from the templates, and need one")
    func retrievedReferences() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let store = try ExpertFixture.knowledgeStore(directory)
        var modules = ExpertModules()
        modules.reasoning = false
        modules.visionEvidence = false
        let chosen = modules
        try await FakeMLLMServer.run(script: mini.script()) { url, _ in
            await #expect(throws: ExpertError.self) {
                try await mini.evaluation(url, store: store, modules: chosen).run(questions, options: mini.options(directory.path + "/r.json", mode: .retrieved))
            }
        }
        let embedder = try ImageEmbedder()
        let added = try MMADEvaluation.ingestTemplates(questions, root: mini.root, limit: nil, store: store, embedder: embedder, logger: ExpertFixture.logger)
        #expect(added == ["bottle": 8, "candle": 2])
        let vision = VisionExpert(store: store, embedder: embedder)
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: store, modules: chosen, vision: vision)
                .run(questions, options: mini.options(directory.path + "/r.json", mode: .retrieved))
            #expect(summary.answers == 14)
            let bottleTemplates = Set(mini.templateBytes.filter { $0.key.contains("/bottle/") }.values)
            let query = mini.pathOfImage.first { $0.value == MiniMMAD.g2 }!.key
            let shown = try #require(server.requests.first { $0.images.last == query }).images
            #expect(shown.count == 2 && bottleTemplates.contains(shown[0]))
        }
    }

    @Test("a questions file in another format is a clear error saying where")
    func badQuestions() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/bad.json"
        try Data("{\"a.png\": {\"conversation\": [{\"Question\": \"q\"}]}}".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try MMADQuestions(path: path)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("missing \"Answer\""), "\(error)")
        }
    }
}
