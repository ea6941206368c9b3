import EchoMLLM

/// MMAD's baseline prompt, as its query scripts send it (jam-cc/MMAD at bad03b4: the
/// instruction of `evaluation/examples/GPT4/gpt4v.py`, the part order of
/// `Transformers/qwen2_5_vl_query.py`, the question text of `gpt4v.py`'s
/// `parse_conversation`, the chain-of-thought text of `Transformers/internvl_query.py`):
/// one user message, no system message, one question per call, and never the product's
/// name. Its parts, in order:
///
/// 1. the instruction, then "Answer with the option's letter from the given choices directly! ";
/// 2. with domain knowledge: "Following is the domain knowledge … \n {text}";
/// 3. with templates: "Following is/are N image of normal sample, which can be used as a
///    template to compare the image being queried." and the N images;
/// 4. with defect shots: "Following is/are N image of defect sample." and the images;
/// 5. "Following is the query image: " and the query image;
/// 6. "Following is the question list: " and "Question i: <text> \n" with one line
///    "A. <option>" per option (i counts the record's questions from 1).
///
/// Echo's experts add to it only when switched on, each in its own part: the Knowledge
/// Guide's selection after MMAD's domain knowledge, the vision expert's evidence after the
/// query image, the Reasoning Expert's trace before the question list.
public enum MMADPrompt {
    /// MMAD's instruction, verbatim (its leading and trailing newlines included).
    public static let instruction = """

        You are an industrial inspector who checks products by images. You should judge whether there is a defect in the query image and answer the questions about it.
        Answer with the option's letter from the given choices directly.

        """
    public static let answerDirectly = "Answer with the option's letter from the given choices directly! "
    /// MMAD's chain-of-thought request (`--CoT`), asked once per image before its questions.
    public static let chainOfThought = "Before answering the following questions, we need to understand the query image. \n"
        + "First, identify the objects in the template image and imagine the possible types of defects. \n"
        + "Second, simply describe the differences between the query image with the template sample. \n"
        + "Third, if exist, judge whether those differences are defect or normal. \n"
        + "Output a simple thoughts in 100 words. Notice that slight movement of objects or changes in image quality fall within the normal range.\n"
    /// New tokens per answer (MMAD: `max_new_tokens=128`) and per chain of thought (256).
    public static let answerTokens = 128
    public static let chainOfThoughtTokens = 256

    /// What one image's prompts are built from.
    public struct Context: Sendable {
        public var templates: [ImageAttachment] = []
        public var defectShots: [ImageAttachment] = []
        public var query: ImageAttachment
        /// MMAD's domain knowledge of the class (`--domain-knowledge`).
        public var domainKnowledge: String?
        /// Echo additions, each nil unless its module is on.
        public var echoKnowledge: String?
        public var echoEvidence: String?
        public var echoReasoning: String?

        public init(query: ImageAttachment) {
            self.query = query
        }
    }

    /// MMAD's question text: "Question i: <text> \n" then "A. <option>\n" per option.
    public static func questionText(_ question: MMADRecord.Question, number: Int) -> String {
        "Question \(number): \(question.text) \n" + question.options.map { "\($0.letter). \($0.text)\n" }.joined()
    }

    /// Everything before the question list: instruction, knowledge, templates, query.
    public static func preamble(_ context: Context) -> [ContentPart] {
        var parts: [ContentPart] = [.text(instruction), .text(answerDirectly)]
        if let knowledge = context.domainKnowledge {
            parts.append(.text("Following is the domain knowledge which contains some type of defect and the normal object characteristics: \n \(knowledge)"))
        }
        if let knowledge = context.echoKnowledge, !knowledge.isEmpty { parts.append(.text(knowledge)) }
        if !context.templates.isEmpty {
            parts.append(.text("Following is/are \(context.templates.count) image of normal sample, which can be used as a template to compare the image being queried."))
            parts += context.templates.map { .image($0.data, mimeType: $0.mimeType) }
        }
        if !context.defectShots.isEmpty {
            parts.append(.text("Following is/are \(context.defectShots.count) image of defect sample."))
            parts += context.defectShots.map { .image($0.data, mimeType: $0.mimeType) }
        }
        parts.append(.text("Following is the query image: "))
        parts.append(.image(context.query.data, mimeType: context.query.mimeType))
        if let evidence = context.echoEvidence { parts.append(.text(evidence)) }
        return parts
    }

    /// The question list part (with the Echo reasoning trace before it, when given).
    public static func questionList(_ text: String, reasoning: String?) -> [ContentPart] {
        var parts: [ContentPart] = []
        if let reasoning { parts.append(.text("An inspector's step-by-step reasoning about this image:\n\(reasoning)")) }
        return parts + [.text("Following is the question list: "), .text(text)]
    }

    /// The messages that ask one question.
    /// - Parameters:
    ///   - history: earlier turns to keep (`--record-history` answers, or the chain of
    ///     thought): when there are any, the preamble was in their first message and this
    ///     turn carries only the question list.
    public static func messages(_ context: Context, questionText text: String, history: [ChatMessage]) -> [ChatMessage] {
        if history.isEmpty {
            return [ChatMessage(role: .user, parts: preamble(context) + questionList(text, reasoning: context.echoReasoning))]
        }
        return history + [ChatMessage(role: .user, parts: questionList(text, reasoning: context.echoReasoning))]
    }

    /// The chain-of-thought request: the preamble and MMAD's CoT text.
    public static func chainOfThoughtMessages(_ context: Context) -> [ChatMessage] {
        [ChatMessage(role: .user, parts: preamble(context) + [.text(chainOfThought)])]
    }
}
