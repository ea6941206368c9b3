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
    /// The order of the records in the file.
    static let fileOrder = [v2, d1, g1, d2, v1, g2]

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
        // Written in a fixed order that is not sorted (MMAD keeps file order), each
        // record's keys (and so its options A, B, …) sorted.
        let members = try Self.fileOrder.map { path in
            "\(String(decoding: try JSONSerialization.data(withJSONObject: path, options: [.fragmentsAllowed]), as: UTF8.self)): "
                + String(decoding: try JSONSerialization.data(withJSONObject: records[path]!, options: [.sortedKeys]), as: UTF8.self)
        }
        try Data(("{" + members.joined(separator: ",\n") + "}").utf8).write(to: URL(fileURLWithPath: questionsPath))

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
            if request.lastUserText.contains("Before answering the following questions") { return .answer("The bottle looks broken at the top.") }
            guard let asked = truth[path]?.first(where: { request.lastUserText.contains($0.text + (request.roles.contains("system") ? "\n" : " \n")) }) else {
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

    /// MMAD's baseline: the templates and nothing else.
    static let baseline: ExpertModules = { var m = ExpertModules(); m.knowledge = false; m.reasoning = false; m.visionEvidence = false; return m }()

    func evaluation(_ url: String, store: ReferenceStore?, modules: ExpertModules = MiniMMAD.baseline,
                    vision: VisionExpert? = nil) throws -> MMADEvaluation {
        let panel = ExpertPanel(model: try fakeModel(url), knowledge: store.map { KnowledgeGuide(store: $0) }, modules: modules, logger: ExpertFixture.logger)
        return MMADEvaluation(panel: panel, vision: vision, logger: ExpertFixture.logger)
    }

    func options(_ out: String, mode: MMADReferenceMode = .random, limit: Int? = nil, protocol kind: MMADProtocol = .mmad) -> MMADEvaluation.Options {
        var options = MMADEvaluation.Options(root: root, outputPath: out)
        options.protocolKind = kind
        options.referenceMode = mode
        options.limit = limit
        options.concurrency = 3
        return options
    }
}

@Suite("The MMAD evaluation")
struct MMADEvaluationTests {
    @Test("MMAD's protocol: its prompt parts in order, one user message, no product name, 128 tokens; answers and both tables as computed by hand")
    func mmadProtocol() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        #expect(questions.records.map(\.path) == MiniMMAD.fileOrder, "file order kept")
        let out = directory.path + "/answers.json"
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: nil).run(questions, options: mini.options(out))
            #expect(summary.answers == 14 && summary.resumed == 0)
            #expect(server.violations.isEmpty, "\(server.violations)")
            #expect(server.requests.count == 14, "one call per question")
            for request in server.requests {
                #expect(request.roles == ["user"] && request.maxTokens == 128 && request.temperature == 0)
                // Never the class name (only MMAD's own question text may hold it).
                let parts = request.parts[0].dropLast().compactMap { if case .text(let text) = $0 { return text } else { return nil } }
                #expect(!parts.contains { $0.contains("bottle") || $0.contains("candle") }, "\(parts)")
            }
            let query = mini.pathOfImage.first { $0.value == MiniMMAD.g1 }!.key
            let g1 = try #require(server.requests.first { $0.images.last == query })
            #expect(g1.parts == [[
                .text(MMADPrompt.instruction), .text("Answer with the option's letter from the given choices directly! "),
                .text("Following is/are 1 image of normal sample, which can be used as a template to compare the image being queried."),
                .image(mini.templateBytes["MVTec-AD/bottle/train/good/032.png"]!),
                .text("Following is the query image: "), .image(query),
                .text("Following is the question list: "), .text("Question 1: Is there any defect in the object? \nA. Yes.\nB. No.\n"),
            ]])
            #expect(MMADPrompt.instruction.hasPrefix("\nYou are an industrial inspector who checks products by images.") && MMADPrompt.instruction.hasSuffix("directly.\n"))

            let table = summary.table
            #expect(table.columns == ["Anomaly Detection", "Defect Classification", "Defect Localization", "Defect Description", "Defect Analysis",
                                      "Object Analysis", "Average", "Recall", "Precision", "F1", "Overkill", "Miss"])
            #expect(table.rows.map(\.label) == ["VisA", "DS-MVTec", "Average"], "datasets in order of appearance")
            func expectRow(_ label: String, _ expected: [String: Double]) {
                let row = table.rows.first { $0.label == label }!
                for (column, value) in expected { #expect(abs(row.values[column]! - value) < 1e-9, "\(label) \(column): \(row.values[column]!) ≠ \(value)") }
            }
            // "I cannot tell." is read as the closest option ("Center.", C); D1's localisation is D.
            expectRow("DS-MVTec", ["Anomaly Detection": 75, "Defect Classification": 50, "Defect Localization": 0, "Defect Description": 100,
                                   "Defect Analysis": 100, "Object Analysis": 50, "Average": 62.5, "Recall": 100, "Precision": 200.0 / 3,
                                   "F1": 80, "Overkill": 50, "Miss": 0])
            expectRow("VisA", ["Anomaly Detection": 100, "Defect Classification": 0, "Object Analysis": 0, "Average": 100.0 / 6, "Overkill": 0])
            expectRow("Average", ["Anomaly Detection": 87.5, "Defect Classification": 25, "Average": (62.5 + 100.0 / 6) / 2, "Precision": 250.0 / 3, "F1": 90])
            #expect(table.dropped == 0 && table.skipped == 0)
            let strict = Dictionary(uniqueKeysWithValues: summary.scores.rows.map { ($0.dataset, $0) })
            #expect(strict["VisA"]?.accuracy == ["Anomaly Detection": 1], "the strict table has only the cells a dataset has")
            #expect(abs(summary.scores.headline! - (0.625 + 1) / 2) < 1e-9)
            // The file Echo wrote scores the same when read back as any answers file.
            #expect(MMADSummaryTable(try MMADAnswerRecord.read(path: out)) == table)
        }
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [[String: Any]]
        #expect(written.count == 14)
        #expect(written.map { $0["image"] as! String }.first == MiniMMAD.v2, "answers in file order")
        let dl = try #require(written.first { $0["question_type"] as? String == "Defect Localization" })
        let question = try #require(dl["question"] as? [String: Any])
        #expect(question["type"] as? String == "text")
        #expect((question["text"] as? String)?.hasPrefix("Question 3: There is a defect in the object. Where is the defect? \nA. Top right.\n") == true)
        #expect(question["options"] as? [String: String] == ["A": "Top right.", "B": "Top left.", "C": "Center.", "D": "Bottom right."])
        #expect(dl["gpt_answer"] as? String == "C" && dl["echo_match"] as? String == "closest-option" && dl["echo_index"] as? Int == 2)
        #expect(!FileManager.default.fileExists(atPath: out + ".partial.jsonl"))
    }

    @Test("Echo's protocol: its panel prompts with the product; an unparseable answer is dropped by MMAD's table (and the next one skipped), wrong in the strict one")
    func echoProtocol() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let store = try ExpertFixture.knowledgeStore(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        var modules = ExpertModules()
        modules.visionEvidence = false
        let chosen = modules
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: store, modules: chosen)
                .run(questions, options: mini.options(directory.path + "/echo.json", protocol: .echo))
            #expect(summary.answers == 14)
            #expect(server.requests.count == 28, "a reasoning and a decision call per question")
            #expect(server.requests.allSatisfy { $0.roles.first == "system" })
            #expect(server.requests.contains { $0.allText.contains("Product: bottle.") })
            #expect(summary.table.dropped == 1 && summary.table.skipped == 1, "D1's localisation dropped, its description skipped")
            let mvtec = try #require(summary.table.rows.first { $0.label == "DS-MVTec" })
            #expect(mvtec.values["Defect Localization"] == 0 && mvtec.values["Defect Description"] == 100)
            #expect(summary.scores.unanswered == 1)
            let strict = try #require(summary.scores.rows.first { $0.dataset == "DS-MVTec" })
            #expect(strict.accuracy["Defect Localization"] == 0 && strict.accuracy["Defect Description"] == 1)
        }
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory.path + "/echo.json"))) as! [[String: Any]]
        let unparsed = try #require(written.first { $0["question_type"] as? String == "Defect Localization" })
        #expect(unparsed["gpt_answer"] as? String == "" && unparsed["echo_problem"] as? String == "unparseable answer")
    }

    @Test("Echo's experts add to MMAD's prompt, each in its own part, still without the product name in MMAD's parts")
    func expertsOnTop() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let store = try ExpertFixture.knowledgeStore(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        var modules = MiniMMAD.baseline
        modules.knowledge = true
        modules.reasoning = true
        let chosen = modules
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            var options = mini.options(directory.path + "/experts.json")
            options.subset = .keys([MiniMMAD.g1])
            _ = try await mini.evaluation(url, store: store, modules: chosen).run(questions, options: options)
            #expect(server.requests.count == 2, "the Reasoning Expert, then the answer")
            let answer = try #require(server.requests.last)
            #expect(answer.roles == ["user"])
            let texts = answer.parts[0].compactMap { if case .text(let text) = $0 { return text } else { return nil } }
            #expect(texts[0] == MMADPrompt.instruction && texts[2].hasPrefix("Domain knowledge about bottle:"), "the Knowledge Guide after MMAD's instruction")
            #expect(texts.contains { $0.hasPrefix("An inspector's step-by-step reasoning") })
            #expect(texts.suffix(2) == ["Following is the question list: ", "Question 1: Is there any defect in the object? \nA. Yes.\nB. No.\n"])
        }
    }

    @Test("MMAD's CoT asks once per image first; --record-history keeps the image's earlier questions; each later turn carries only the question")
    func chainOfThoughtAndHistory() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            var options = mini.options(directory.path + "/cot.json")
            options.subset = .keys([MiniMMAD.g2])
            options.chainOfThought = true
            options.recordHistory = true
            let summary = try await mini.evaluation(url, store: nil).run(questions, options: options)
            #expect(summary.answers == 3)
            let requests = server.requests
            #expect(requests.count == 4)
            #expect(requests[0].maxTokens == 256 && requests[0].lastUserText.hasSuffix(MMADPrompt.chainOfThought))
            #expect(requests[1].roles == ["user", "assistant", "user"] && requests[1].texts[1] == "The bottle looks broken at the top.")
            #expect(requests[1].parts[2] == [.text("Following is the question list: "), .text("Question 1: Is there any defect in the object? \nA. Yes.\nB. No.\n")])
            #expect(requests[3].roles == ["user", "assistant", "user", "assistant", "user", "assistant", "user"])
            #expect(requests[3].images.count == 2, "the template and the query, once")
        }
    }

    @Test("subsets: --keys in their order, MMAD's debug sample, a stratified sample per class; --limit after them")
    func subsets() throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let records = try MMADQuestions(path: mini.questionsPath).records
        #expect(try MMADSubset.keys([MiniMMAD.g2, MiniMMAD.v1, MiniMMAD.g2]).select(records).map(\.path) == [MiniMMAD.g2, MiniMMAD.v1])
        #expect(throws: ExpertError.self) { try MMADSubset.keys(["DS-MVTec/nothing.png"]).select(records) }
        #expect(throws: ExpertError.self) { try MMADSubset.mmadDebug.select(records) }
        let stratified = try MMADSubset.stratified(perClass: 1, seed: 3).select(records)
        #expect(Set(stratified.map { MMADQuestions.datasetAndClass(of: $0.path).className }) == ["bottle", "candle"] && stratified.count == 2)
        #expect(try MMADSubset.stratified(perClass: 1, seed: 3).select(records).map(\.path) == stratified.map(\.path), "same seed, same sample")
        // MMAD's debug subset on a file of 8,366 images (MMAD's size) is Python's sample.
        let many = (0..<8366).map { (path: "D/c/\($0).png", record: records[0].record) }
        let debug = try MMADSubset.mmadDebug.select(many).map(\.path)
        #expect(debug.count == 1600)
        // python3 -c "import random; random.seed(1); s = random.sample(range(8366), 1600); print(s[:8], s[-3:])"
        #expect(Array(debug.prefix(8)) == [2201, 1033, 4179, 1931, 8117, 7364, 7737, 6219].map { "D/c/\($0).png" })
        #expect(Array(debug.suffix(3)) == [7569, 5478, 3664].map { "D/c/\($0).png" })
    }

    @Test("two questions with the same text on one image are two answers, resumed apart")
    func sameTextTwice() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let question = MMADRecord.Question(text: "Is there any defect in the object?", options: [.init(letter: "A", text: "Yes."), .init(letter: "B", text: "No.")],
                                           answer: "B", type: "Anomaly Detection")
        let twice = MMADQuestions(records: [(MiniMMAD.g1, MMADRecord(conversation: [question, question], similarTemplates: [],
                                                                         randomTemplates: ["MVTec-AD/bottle/train/good/032.png"]))])
        let out = directory.path + "/twice.json"
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            var options = mini.options(out)
            options.limit = 1
            let summary = try await mini.evaluation(url, store: nil).run(twice, options: options)
            #expect(summary.answers == 2 && server.requests.count == 2)
            let again = try await mini.evaluation(url, store: nil).run(twice, options: options)
            #expect(again.answers == 2 && again.resumed == 2 && server.requests.count == 2)
        }
    }

    @Test("a limited run resumes: answered questions are not asked again, failed calls are")
    func resumes() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let out = directory.path + "/answers.json"
        try await FakeMLLMServer.run(script: mini.script(failing: [MiniMMAD.g1])) { url, server in
            let first = try await mini.evaluation(url, store: nil).run(questions, options: mini.options(out, limit: 3))
            #expect(first.answers == 7 && server.requests.count == 7, "V2, D1 (5), G1 in file order")
            #expect(first.scores.unanswered == 1, "G1's failed call")
        }
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let second = try await mini.evaluation(url, store: nil).run(questions, options: mini.options(out))
            #expect(second.resumed == 6, "G1's failed answer is dropped to be asked again")
            #expect(second.answers == 14)
            #expect(server.requests.count == 8, "G1 again, then D2 (3), V1, G2 (3)")
            #expect(second.scores.unanswered == 0)
        }
    }

    @Test("a run killed mid-way resumes from its journal, a torn last line dropped")
    func journalAfterKill() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let out = directory.path + "/answers.json"
        let done = MMADAnswer(image: MiniMMAD.g1, question: .init(text: "Question 1: Is there any defect in the object? \nA. Yes.\nB. No.\n", options: ["A": "Yes.", "B": "No."]),
                              questionType: "Anomaly Detection", correctAnswer: "B", answer: "B", index: 0, problem: nil, match: "standalone", protocol: "mmad")
        try (JSONEncoder.lines.encode(done) + Data("\n{\"image\": \"DS-MVTec/bot".utf8)).write(to: URL(fileURLWithPath: out + ".partial.jsonl"))
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: nil).run(questions, options: mini.options(out))
            #expect(summary.resumed == 1 && summary.answers == 14)
            #expect(server.requests.count == 13)
        }
    }

    @Test("template modes show the record's random (the default) or similar template, or none")
    func referenceModes() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let record = try #require(questions.records.first { $0.path == MiniMMAD.g1 }?.record)
        #expect(MMADEvaluation.Options(root: "", outputPath: "").referenceMode == .random)
        for mode in [MMADReferenceMode.similar, .random, .none] {
            try await FakeMLLMServer.run(script: mini.script()) { url, server in
                _ = try await mini.evaluation(url, store: nil).run(questions, options: mini.options(directory.path + "/\(mode).json", mode: mode))
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

    @Test("retrieved templates come from a store built from the templates, and need one")
    func retrievedReferences() async throws {
        let directory = try TemporaryDirectory()
        let mini = try MiniMMAD(directory)
        let questions = try MMADQuestions(path: mini.questionsPath)
        let store = try ExpertFixture.knowledgeStore(directory)
        try await FakeMLLMServer.run(script: mini.script()) { url, _ in
            await #expect(throws: ExpertError.self) {
                try await mini.evaluation(url, store: store).run(questions, options: mini.options(directory.path + "/r.json", mode: .retrieved))
            }
        }
        let embedder = try ImageEmbedder(weightsPath: WeightsLocation.resolve(environment: ProcessInfo.processInfo.environment))
        let added = try MMADEvaluation.ingestTemplates(questions.records, root: mini.root, store: store, embedder: embedder, logger: ExpertFixture.logger)
        #expect(added == ["bottle": 8, "candle": 2])
        let vision = VisionExpert(store: store, embedder: embedder)
        try await FakeMLLMServer.run(script: mini.script()) { url, server in
            let summary = try await mini.evaluation(url, store: store, vision: vision)
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
        for (text, expected) in [
            ("{\"a.png\": {\"conversation\": [{\"Question\": \"q\", \"Options\": {\"A\": \"x\"}, \"type\": \"t\"}]}}", "a.png.conversation[0]: missing \"Answer\""),
            ("{\"a.png\": {\"conversation\": [{\"Question\": \"q\", \"Answer\": \"C\", \"Options\": {\"A\": \"x\", \"B\": \"y\"}, \"type\": \"t\"}]}}", "the answer \"C\" is none of the options"),
            ("[1, 2]", "not an object of records"),
            ("{\"a.png\": {\"conversation\": [}", "line 1, column 29"),
        ] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try MMADQuestions(path: path)
                Issue.record("expected an error for \(text)")
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
    }

    @Test("options are lettered by their position in the file, as MMAD letters them")
    func relettering() throws {
        let data = Data("{\"x/y/z.png\": {\"conversation\": [{\"Question\": \"q\", \"Answer\": \"A\", \"Options\": {\"B\": \"No.\", \"A\": \"Yes.\"}, \"type\": \"Anomaly Detection\"}]}}".utf8)
        let question = try #require(try MMADQuestions.records(in: data).first?.record.conversation.first)
        #expect(question.options == [.init(letter: "A", text: "No."), .init(letter: "B", text: "Yes.")] && question.answer == "B")
    }
}
