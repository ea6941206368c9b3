import Foundation

/// One answer as Echo writes it: MMAD's answer record (`image`, `question` as MMAD's dict
/// `{type, text, options}`, `question_type`, `correct_answer`, `gpt_answer`) plus Echo's
/// fields, all prefixed `echo_`, which MMAD's scorer ignores.
public struct MMADAnswer: Sendable, Codable, Equatable {
    /// MMAD's question dict: the text as it was asked ("Question 2: … \nA. …\n") and the
    /// options by letter.
    public struct Question: Sendable, Codable, Equatable {
        public let type: String
        public let text: String
        public let options: [String: String]

        public init(text: String, options: [String: String]) {
            type = "text"
            self.text = text
            self.options = options
        }
    }

    /// The query path; its first component is the dataset.
    public let image: String
    public let question: Question
    public let question_type: String
    public let correct_answer: String
    /// The recorded answer: a letter, or what MMAD's reading of the reply produced (the
    /// reply itself when it found no letter; "" when the call failed).
    public let gpt_answer: String
    /// The question's position in the record's conversation (0-based): the resume key.
    public let echo_index: Int
    /// Why there is no usable letter, when there is none.
    public let echo_problem: String?
    /// How the letter was found (`AnswerMatch`, or MMAD's `standalone` / `closest-option`).
    public let echo_match: String?
    /// The protocol that asked it (`mmad` or `echo`).
    public let echo_protocol: String?

    public init(image: String, question: Question, questionType: String, correctAnswer: String, answer: String, index: Int,
                problem: String?, match: String?, protocol name: String?) {
        self.image = image
        self.question = question
        question_type = questionType
        correct_answer = correctAnswer
        gpt_answer = answer
        echo_index = index
        echo_problem = problem
        echo_match = match
        echo_protocol = name
    }

    /// Whether the answer failed for a reason that may pass (the MLLM was unreachable),
    /// so a resumed run asks again.
    var shouldRetry: Bool { gpt_answer.isEmpty && echo_problem != nil && echo_problem != "unparseable answer" && echo_problem != "empty answer" }
}

/// One answer record of any answers file, Echo's or MMAD's own, read as MMAD's scorer
/// reads it: the fields it uses.
public struct MMADAnswerRecord: Sendable, Equatable {
    public let image: String
    public let questionType: String
    /// `correct_answer` and `gpt_answer` when they are text; nil when they are anything
    /// else (which the scorer treats as not a letter).
    public let correctAnswer: String?
    public let gptAnswer: String?
    /// The question text (MMAD's `question` is a dict with `text`, older files a string).
    public let questionText: String?
    public init(image: String, questionType: String, correctAnswer: String?, gptAnswer: String?, questionText: String? = nil) {
        self.image = image
        self.questionType = questionType
        self.correctAnswer = correctAnswer
        self.gptAnswer = gptAnswer
        self.questionText = questionText
    }

    init(raw: JSONValue, at index: Int) throws(FormatProblem) {
        func text(_ key: String) throws(FormatProblem) -> String {
            guard let value = raw[key] else { throw FormatProblem("answer \(index): missing \"\(key)\"") }
            guard let text = value.stringValue else { throw FormatProblem("answer \(index).\(key): \(value.kind), not text") }
            return text
        }
        guard raw.members != nil else { throw FormatProblem("answer \(index): \(raw.kind), not an answer record") }
        image = try text("image")
        questionType = try text("question_type")
        guard raw["correct_answer"] != nil else { throw FormatProblem("answer \(index): missing \"correct_answer\"") }
        guard raw["gpt_answer"] != nil else { throw FormatProblem("answer \(index): missing \"gpt_answer\"") }
        correctAnswer = raw["correct_answer"]?.stringValue
        gptAnswer = raw["gpt_answer"]?.stringValue
        questionText = raw["question"]?.stringValue ?? raw["question"]?["text"]?.stringValue
    }

    /// Reads an answers file: a JSON list of answer records, Echo's or MMAD's.
    /// - Throws: `.input` for an unreadable file or one that is not such a list, saying where.
    public static func read(path: String) throws(ExpertError) -> [MMADAnswerRecord] {
        try records(in: try ExpertError.readFile(path, what: "the answers"), source: path)
    }

    /// The answer records in the bytes of an answers file.
    /// - Throws: `.input` for bytes that are not JSON or not a list of answers, naming `source`.
    package static func records(in data: Data, source path: String) throws(ExpertError) -> [MMADAnswerRecord] {
        do {
            let document = try JSONValue.parse(data)
            guard let list = document.arrayValue else { throw FormatProblem("the file holds \(document.kind), not a list of answers") }
            return try list.enumerated().map { index, value throws(FormatProblem) in try MMADAnswerRecord(raw: value, at: index) }
        } catch let problem as FormatProblem {
            throw .input("\(path) is not an MMAD answers file: \(problem.description)")
        } catch {
            throw .input("\(path) is not an MMAD answers file: not JSON (\(error))")
        }
    }
}
