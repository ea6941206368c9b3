import EchoMLLM

/// The Reasoning Expert: one MLLM call that reasons Observe → Compare → Decide about the
/// image (and the question, when there is one), returning a structured trace for the
/// Decision Maker.
public struct ReasoningExpert: Sendable {
    public let model: any ChatModel

    public init(model: any ChatModel) {
        self.model = model
    }

    /// The trace for `context` (references, image, knowledge) and an optional question.
    /// - Throws: `MLLMError` when the call fails.
    public func reason(context: [ContentPart], question: MultipleChoiceQuestion?, hasReferences: Bool) async throws(MLLMError) -> ReasoningTrace {
        let answer = try await model.complete(Prompts.reasoning(context: context, question: question, hasReferences: hasReferences))
        return ReasoningTrace.parse(answer.text)
    }
}
