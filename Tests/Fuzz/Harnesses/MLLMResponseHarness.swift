import EchoExperts
import EchoMLLM
import Foundation

/// A model server's answer: the chat-completions body, then what the experts read out of
/// the assistant's text — the multiple-choice answer (Echo's parser and MMAD's letter
/// extraction), the Decision Maker's JSON verdict and the Reasoning Expert's
/// Observe → Compare → Decide trace. The text parsers also get the raw input, so the
/// fuzzer reaches them without having to build valid JSON around its text first.
enum MLLMResponseHarness {
    static let question = MultipleChoiceQuestion(
        text: "Is there any defect in the object?",
        options: [.init(letter: "A", text: "Yes."), .init(letter: "B", text: "No."),
                  .init(letter: "C", text: "A scratch on the cap."), .init(letter: "D", text: "None of the above.")],
        type: "Anomaly Detection")

    static let harness = FuzzHarness(name: "mllm-response", summary: "chat completion bodies and the experts' answer, verdict and trace parsers") { bytes in
        readText(String(decoding: bytes, as: UTF8.self))
        do throws(MLLMError) {
            let completion = try ChatCompletionsWire.completion(from: Data(bytes), endpoint: "http://127.0.0.1/v1/chat/completions", attempts: 1)
            readText(completion.text)
            return .accepted
        } catch {
            return .rejected(error.code.description)
        }
    }

    private static func readText(_ text: String) {
        _ = AnswerParser.parse(text, options: question)
        if let (letter, _) = MMADLetterExtraction.letter(in: text, options: question.options) {
            precondition(["A", "B", "C", "D", "E"].contains(letter), "the letter extraction chose \(letter), not A–E")
        }
        _ = DecisionMaker.parseVerdict(text)
        _ = ReasoningTrace.parse(text)
    }
}
