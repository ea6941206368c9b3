import Testing
@testable import EchoExperts

@Suite("Answer and trace parsing")
struct ParsingTests {
    static let question = MultipleChoiceQuestion(text: "What is the type of the defect?", options: [
        .init(letter: "A", text: "Foggy appearance."), .init(letter: "B", text: "Color fading."),
        .init(letter: "C", text: "Broken large."), .init(letter: "D", text: "Scratched surface."),
    ])

    @Test("letters are found the documented ways, most certain first", arguments: [
        ("C", "C", AnswerMatch.exact), ("(C)", "C", .exact), ("C.", "C", .exact), ("**C**", "C", .exact), (" [B] ", "B", .exact),
        ("{\"answer\": \"D\"}", "D", .json), ("```json\n{\"answer\": \"B. Color fading.\"}\n```", "B", .json),
        ("Looking at the rim, the answer is (C) because the edge is jagged.", "C", .phrase),
        ("Answer: D", "D", .phrase), ("I pick option B.", "B", .phrase),
        ("Broken large.", "C", .optionText), ("scratched surface", "D", .optionText),
        ("The rim shows a break, so C fits best; not D.", "D", .lastStandalone),
        ("A jagged edge is visible, which matches C", "C", .lastStandalone),
    ])
    func letters(text: String, letter: String, match: AnswerMatch) {
        #expect(AnswerParser.parse(text, options: Self.question) == .letter(letter, match), "\(text)")
    }

    @Test("no letter is ever guessed: empty, off-list and letterless answers are unparseable", arguments: [
        "", "   ", "I cannot tell from this image.", "E", "The answer is E.", "A jagged irregular break.", "{\"answer\": \"maybe\"}",
    ])
    func unparseable(text: String) {
        #expect(AnswerParser.parse(text, options: Self.question) == .unparseable(text))
    }

    @Test("a reasoning trace is read from JSON, from headed prose, or kept whole")
    func traces() {
        let json = ReasoningTrace.parse("Sure!\n{\"observe\": \"a bottle rim\", \"compare\": \"a chip at top right\", \"decide\": \"defective\"}")
        #expect(json == ReasoningTrace(observe: "a bottle rim", compare: "a chip at top right", decide: "defective", structured: true))
        let prose = ReasoningTrace.parse("**Observe:** a rim.\nCompare: a chip at the top.\nDecide - broken.")
        #expect(prose.structured && prose.observe == "a rim." && prose.compare == "a chip at the top." && prose.decide == "broken.")
        let plain = ReasoningTrace.parse("It looks fine to me.")
        #expect(!plain.structured && plain.decide == "It looks fine to me." && plain.promptText == "It looks fine to me.")
    }

    @Test("verdict JSON is read with synonyms; anything else is nil")
    func verdicts() {
        let anomalous = DecisionMaker.parseVerdict("{\"verdict\": \"Defective\", \"defect\": \"chip\", \"region\": \"top right\", \"explanation\": \"A chip.\"}")
        #expect(anomalous == MLLMVerdict(anomalous: true, defect: "chip", region: "top right", explanation: "A chip."))
        let normal = DecisionMaker.parseVerdict("```\n{\"verdict\": \"normal\", \"defect\": null, \"region\": \"none\"}\n```")
        #expect(normal == MLLMVerdict(anomalous: false, defect: nil, region: nil, explanation: ""))
        #expect(DecisionMaker.parseVerdict("It is anomalous.") == nil)
        #expect(DecisionMaker.parseVerdict("{\"verdict\": \"perhaps\"}") == nil)
        #expect(DecisionMaker.parseVerdict("{\"verdict\": ") == nil)
    }

    @Test("module lists parse, and an unknown module names the known ones")
    func modules() throws {
        let some = try ExpertModules.parse("references, reasoning", references: 2)
        #expect(some.references && some.reasoning && !some.knowledge && !some.visionEvidence && some.referenceCount == 2)
        #expect(try ExpertModules.parse("none") == { var m = ExpertModules(); m.references = false; m.knowledge = false; m.reasoning = false; m.visionEvidence = false; return m }())
        #expect(try ExpertModules.parse("all") == ExpertModules())
        #expect(throws: ExpertError.self) { try ExpertModules.parse("references,telepathy") }
    }
}
