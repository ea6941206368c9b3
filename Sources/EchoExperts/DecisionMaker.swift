import EchoMLLM
import EchoVision

/// The MLLM's verdict on an image, parsed from the Decision Maker's JSON.
public struct MLLMVerdict: Sendable, Codable, Equatable {
    public let anomalous: Bool
    public let defect: String?
    public let region: String?
    public let explanation: String
}

/// The Decision Maker: the final MLLM call, given the references, the selected
/// knowledge, the reasoning trace and the vision expert's evidence. Answers a
/// multiple-choice question with one letter, or an inspection with JSON; both parsed
/// robustly, with an explicit unparseable result rather than a guess.
public struct DecisionMaker: Sendable {
    public let model: any ChatModel

    public init(model: any ChatModel) {
        self.model = model
    }

    /// The answer to a multiple-choice question and the model's raw text.
    /// - Throws: `MLLMError` when the call fails.
    public func answer(_ question: MultipleChoiceQuestion, context: [ContentPart], evidence: String?, trace: ReasoningTrace?) async throws(MLLMError) -> (ParsedAnswer, String) {
        let reply = try await model.complete(Prompts.decision(context: context, evidence: evidence, trace: trace, question: question))
        return (AnswerParser.parse(reply.text, options: question), reply.text)
    }

    /// The verdict on an image and the model's raw text; nil verdict when the answer has
    /// no recognisable verdict.
    /// - Throws: `MLLMError` when the call fails.
    public func inspect(context: [ContentPart], evidence: String?, trace: ReasoningTrace?) async throws(MLLMError) -> (MLLMVerdict?, String) {
        let reply = try await model.complete(Prompts.inspection(context: context, evidence: evidence, trace: trace))
        return (Self.parseVerdict(reply.text), reply.text)
    }

    /// A verdict from JSON ({"verdict": "normal"|"anomalous", ...}); synonyms such as
    /// "defective", "abnormal", "ok" and "good" are accepted. Nil otherwise.
    package static func parseVerdict(_ text: String) -> MLLMVerdict? {
        guard let object = JSONExtraction.firstObject(in: text), let word = (object["verdict"] as? String)?.lowercased() else { return nil }
        let anomalous: Bool
        switch word.trimmingCharacters(in: .whitespaces) {
        case "anomalous", "anomaly", "defective", "defect", "abnormal", "ng", "bad", "reject": anomalous = true
        case "normal", "good", "ok", "pass", "defect-free", "no defect": anomalous = false
        default: return nil
        }
        func field(_ name: String) -> String? {
            guard let value = object[name] as? String, !value.isEmpty, value.lowercased() != "null", value.lowercased() != "none" else { return nil }
            return value
        }
        return MLLMVerdict(anomalous: anomalous, defect: field("defect"), region: field("region"), explanation: field("explanation") ?? "")
    }
}
