import EchoMLLM
import EchoVision
import Foundation

/// The experts' prompts. Each is built from the parts switched on, in a fixed order:
/// references, the image to inspect, knowledge, evidence, reasoning, the task.
enum Prompts {
    static let system = """
        You are an expert industrial quality inspector. You examine an image of a manufactured product and decide \
        whether it has defects, comparing it with images of normal, defect-free products of the same kind when they \
        are given and using the domain knowledge provided about the product and its defect types.
        """

    /// The images and context every expert sees: references, the image to inspect and
    /// the knowledge.
    static func context(category: String, query: ImageAttachment, references: [ImageAttachment], knowledge: KnowledgeSelection?) -> [ContentPart] {
        var parts: [ContentPart] = [.text("Product: \(category).")]
        if !references.isEmpty {
            parts.append(.text(references.count == 1
                ? "The following image shows a normal product without defects, for reference."
                : "The following \(references.count) images show normal products without defects, for reference."))
            for reference in references { parts += reference.parts }
        }
        parts += query.parts
        if let knowledge, !knowledge.promptText.isEmpty { parts.append(.text(knowledge.promptText)) }
        return parts
    }

    static func reasoning(context: [ContentPart], question: MultipleChoiceQuestion?, hasReferences: Bool) -> [ChatMessage] {
        let against = hasReferences ? "the normal reference image(s)" : "the normal characteristics you know for this product"
        let task = """
            Reason step by step before anyone answers.
            Observe: describe the image to inspect: the object, its parts, surfaces, colours and anything unusual.
            Compare: compare it with \(against), region by region, and name every difference and where it is \
            (top left, center, bottom right, ...).
            Decide: say what the differences mean\(question == nil ? ": is the product normal or defective, and which defect is it?" : " for the question below.")
            Reply with JSON only: {"observe": "...", "compare": "...", "decide": "..."}
            """
        var parts = context
        if let question { parts.append(.text("Question:\n\(question.rendered)")) }
        parts.append(.text(task))
        return [ChatMessage(role: .system, text: system), ChatMessage(role: .user, parts: parts)]
    }

    static func decision(context: [ContentPart], evidence: String?, trace: ReasoningTrace?, question: MultipleChoiceQuestion) -> [ChatMessage] {
        var parts = context
        if let evidence { parts.append(.text(evidence)) }
        if let trace { parts.append(.text("An inspector's step-by-step reasoning about this image:\n\(trace.promptText)")) }
        parts.append(.text("Question:\n\(question.rendered)\nAnswer with the option's letter from the given choices directly."))
        return [ChatMessage(role: .system, text: system), ChatMessage(role: .user, parts: parts)]
    }

    static func inspection(context: [ContentPart], evidence: String?, trace: ReasoningTrace?) -> [ChatMessage] {
        var parts = context
        if let evidence { parts.append(.text(evidence)) }
        if let trace { parts.append(.text("An inspector's step-by-step reasoning about this image:\n\(trace.promptText)")) }
        parts.append(.text("""
            Decide whether the product in the image to inspect is normal or defective.
            Reply with JSON only: {"verdict": "normal" or "anomalous", "defect": "the defect type, or null", \
            "region": "where it is (e.g. top left), or null", "explanation": "one or two sentences"}
            """))
        return [ChatMessage(role: .system, text: system), ChatMessage(role: .user, parts: parts)]
    }

    /// The vision expert's result in words.
    static func evidence(_ result: InspectionResult) -> String {
        let score = String(format: "%.3f", result.score)
        let threshold = result.threshold.map { String(format: "%.3f", $0) }
        let verdict: String
        switch result.verdict {
        case .anomalous: verdict = "anomalous: its score \(score) exceeds the threshold \(threshold!)"
        case .normal: verdict = "normal: its score \(score) is below the threshold \(threshold!)"
        case .uncertain: verdict = "uncertain: its score \(score) is close to the threshold \(threshold!)"
        case .uncalibrated: verdict = "not decided: its score is \(score), and no threshold has been calibrated"
        }
        return """
            Evidence from a patch-level comparison with the \(result.references.count) most similar normal images: \
            the image is \(verdict); the strongest difference is at the \(result.region). \
            This measurement can miss subtle or logical defects and can flag harmless variation; weigh it with what you see.
            """
    }
}
