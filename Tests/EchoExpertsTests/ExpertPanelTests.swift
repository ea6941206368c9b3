import EchoMLLM
import EchoStore
import FakeMLLMServer
import Foundation
import Testing
@testable import EchoExperts
@testable import EchoVision

/// The scripted model: reasoning prompts get a JSON trace, decisions get `decision`.
func scripted(_ decision: String) -> @Sendable (FakeRequest) async -> FakeReply {
    { request in
        request.lastUserText.contains("{\"observe\"")
            ? .answer("{\"observe\": \"a glass bottle rim\", \"compare\": \"a chip at the top right\", \"decide\": \"broken\"}")
            : .answer(decision)
    }
}

func fakeModel(_ url: String, retries: Int = 0) throws -> MLLMClient {
    var configuration = MLLMConfiguration(url: url, model: "fake-qwen")
    configuration.maxRetries = retries
    configuration.initialBackoff = .milliseconds(10)
    configuration.timeout = .seconds(10)
    return try MLLMClient(configuration: configuration, logger: ExpertFixture.logger)
}

struct PanelFixture {
    let directory: TemporaryDirectory
    let store: ReferenceStore
    let query: ImageAttachment
    let references: [ImageAttachment]
    let vision: InspectionResult

    init() throws {
        directory = try TemporaryDirectory()
        store = try ExpertFixture.knowledgeStore(directory)
        query = ImageAttachment(label: "The image to inspect", data: try ExpertFixture.png(seed: 1, spot: true), mimeType: "image/png")
        references = [
            ImageAttachment(label: "Normal reference 1", data: try ExpertFixture.png(seed: 2), mimeType: "image/png"),
            ImageAttachment(label: "Normal reference 2", data: try ExpertFixture.png(seed: 3), mimeType: "image/png"),
        ]
        vision = InspectionResult(
            category: "bottle", score: 0.82, background: 0, threshold: 0.5, verdict: .anomalous,
            references: [ReferenceUsed(id: 1, path: "/golden/1.png", similarity: 0.97)],
            anomalyMap: AnomalyMap(width: 2, height: 2, values: [0, 0, 0, 0.82]), region: "bottom right",
            explanation: "Anomalous: score 0.820 exceeds the threshold 0.500.", thresholdIsStale: false, memoryBankPatches: nil)
    }

    var request: ExpertRequest { ExpertRequest(category: "bottle", query: query, references: references, vision: vision) }

    func panel(_ model: (any ChatModel)?, _ modules: ExpertModules = ExpertModules()) -> ExpertPanel {
        ExpertPanel(model: model, knowledge: KnowledgeGuide(store: store), modules: modules, logger: ExpertFixture.logger)
    }
}

let defectType = MultipleChoiceQuestion(text: "There is a defect in the object. What is the type of the defect?", options: [
    .init(letter: "A", text: "Contamination."), .init(letter: "B", text: "Color fading."), .init(letter: "C", text: "Broken large."),
], type: "Defect Classification")

@Suite("The expert panel")
struct ExpertPanelTests {
    @Test("with every module, reasoning comes first and the decision carries references, image, knowledge, evidence and trace")
    func allModules() async throws {
        let fixture = try PanelFixture()
        try await FakeMLLMServer.run(script: scripted("C")) { url, server in
            let answer = await fixture.panel(try fakeModel(url)).answer(defectType, for: fixture.request)
            #expect(answer.letter == "C" && answer.match == .exact && answer.problem == nil)
            #expect(answer.reasoning?.compare == "a chip at the top right")
            #expect(answer.knowledge.first == "good" && answer.knowledge.contains("contamination"))
            #expect(server.violations.isEmpty, "\(server.violations)")
            let requests = server.requests
            #expect(requests.count == 2)
            #expect(requests[0].lastUserText.contains("Observe:") && requests[0].lastUserText.contains(defectType.text))
            let decision = requests[1]
            #expect(decision.roles == ["system", "user"])
            #expect(decision.images == [fixture.references[0].data, fixture.query.data], "one reference by default, then the query")
            #expect(decision.allText.contains("Domain knowledge about bottle"))
            #expect(decision.allText.contains("Defect type \"Contamination\""))
            #expect(decision.allText.contains("patch-level comparison") && decision.allText.contains("0.820") && decision.allText.contains("bottom right"))
            #expect(decision.allText.contains("Observe: a glass bottle rim"))
            #expect(decision.allText.contains("C. Broken large."))
            #expect(decision.allText.contains("Answer with the option's letter"))
        }
    }

    @Test("each ablation removes exactly its part of the prompts", arguments: ["references", "knowledge", "reasoning", "vision", "count"])
    func ablations(off: String) async throws {
        let fixture = try PanelFixture()
        var modules = ExpertModules()
        switch off {
        case "references": modules.references = false
        case "knowledge": modules.knowledge = false
        case "reasoning": modules.reasoning = false
        case "vision": modules.visionEvidence = false
        default: modules.referenceCount = 2
        }
        let chosen = modules
        try await FakeMLLMServer.run(script: scripted("B")) { url, server in
            let answer = await fixture.panel(try fakeModel(url), chosen).answer(defectType, for: fixture.request)
            #expect(answer.letter == "B")
            let requests = server.requests
            #expect(requests.count == (off == "reasoning" ? 1 : 2))
            let decision = try #require(requests.last)
            let expectedImages = off == "references" ? [fixture.query.data]
                : off == "count" ? [fixture.references[0].data, fixture.references[1].data, fixture.query.data]
                : [fixture.references[0].data, fixture.query.data]
            for request in requests { #expect(request.images == expectedImages, "\(off)") }
            #expect(decision.allText.contains("Domain knowledge") == (off != "knowledge"))
            #expect(decision.allText.contains("patch-level comparison") == (off != "vision"))
            #expect(decision.allText.contains("step-by-step reasoning") == (off != "reasoning"))
            #expect(decision.allText.contains("normal product") == (off != "references"))
            #expect((answer.reasoning != nil) == (off != "reasoning"))
        }
    }

    @Test("prose around a letter is parsed; unparseable and empty answers and failed calls give no letter and say why")
    func answersAndFailures() async throws {
        let fixture = try PanelFixture()
        let modules = { var m = ExpertModules(); m.reasoning = false; return m }()
        let cases: [(FakeReply, String?, String?)] = [
            (.answer("Comparing with the reference, the answer is (A)."), "A", nil),
            (.answer("I cannot decide."), nil, "unparseable answer"),
            (.answer(""), nil, "empty answer"),
            (.rawBody("{\"choices\": [{\"message\": "), nil, "bad MLLM response"),
            (.status(500, message: "model crashed"), nil, "500"),
        ]
        for (reply, letter, problem) in cases {
            try await FakeMLLMServer.run(script: { _ in reply }) { url, _ in
                let answer = await fixture.panel(try fakeModel(url), modules).answer(defectType, for: fixture.request)
                #expect(answer.letter == letter)
                if let problem { #expect(answer.problem?.contains(problem) == true, "\(answer.problem ?? "nil")") }
            }
        }
    }

    @Test("inspection: the experts decide from JSON; without a model or with a failing or unparseable one the vision verdict stands, flagged")
    func inspectionFallbacks() async throws {
        let fixture = try PanelFixture()
        let alone = await fixture.panel(nil).inspect(fixture.request, vision: fixture.vision)
        #expect(alone.source == .visionNoMLLM && alone.verdict == .anomalous && alone.region == "bottom right")

        try await FakeMLLMServer.run(script: scripted("{\"verdict\": \"normal\", \"defect\": null, \"region\": null, \"explanation\": \"Glare only.\"}")) { url, server in
            let decided = await fixture.panel(try fakeModel(url)).inspect(fixture.request, vision: fixture.vision)
            #expect(decided.source == .experts && decided.verdict == .normal && decided.explanation == "Glare only.")
            #expect(decided.reasoning?.decide == "broken")
            #expect(server.requests.last?.lastUserText.contains("\"verdict\"") == true)
        }
        try await FakeMLLMServer.run(script: scripted("Looks okay I guess")) { url, _ in
            let unparsed = await fixture.panel(try fakeModel(url)).inspect(fixture.request, vision: fixture.vision)
            #expect(unparsed.source == .visionFallback && unparsed.verdict == .anomalous && unparsed.problem == "unparseable answer")
            #expect(unparsed.raw == "Looks okay I guess")
        }
        try await FakeMLLMServer.run(script: { _ in .status(503, message: "overloaded") }) { url, _ in
            let failed = await fixture.panel(try fakeModel(url)).inspect(fixture.request, vision: fixture.vision)
            #expect(failed.source == .visionFallback && failed.verdict == .anomalous)
            #expect(failed.explanation.contains("MLLM not used") && failed.problem?.contains("503") == true)
        }
    }
}
