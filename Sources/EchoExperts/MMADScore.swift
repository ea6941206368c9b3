import Foundation

/// One answer as MMAD's scorer reads it (its field names), plus Echo's notes.
public struct MMADAnswer: Sendable, Codable, Equatable {
    /// The query path; its first component is the dataset.
    public let image: String
    public let question: String
    public let question_type: String
    public let correct_answer: String
    /// The chosen letter; empty when there was none (counted wrong).
    public let gpt_answer: String
    /// Why there is no letter, when there is none.
    public let echo_problem: String?
    /// How the letter was found.
    public let echo_match: String?

    public init(image: String, question: String, questionType: String, correctAnswer: String, answer: String, problem: String?, match: String?) {
        self.image = image
        self.question = question
        self.question_type = questionType
        self.correct_answer = correctAnswer
        gpt_answer = answer
        echo_problem = problem
        echo_match = match
    }

    var isCorrect: Bool { !gpt_answer.isEmpty && gpt_answer == correct_answer }
    /// Whether the answer failed for a reason that may pass (the MLLM was unreachable),
    /// so a resumed run asks again.
    var shouldRetry: Bool { gpt_answer.isEmpty && echo_problem != nil && echo_problem != "unparseable answer" && echo_problem != "empty answer" }
}

/// MMAD's accuracy table: per dataset and question type, scored the way MMAD scores it.
/// Anomaly Detection is balanced accuracy (the mean of the accuracy on normal images,
/// `good` in the path, and on defective ones); Object Structure and Object Details are
/// pooled as Object Analysis; every other type is plain accuracy. A dataset's average is
/// the mean over its types; the `all` row pools every dataset's answers per type.
public struct MMADScores: Sendable, Codable, Equatable {
    /// The question types in MMAD's column order.
    public static let columns = ["Anomaly Detection", "Defect Classification", "Defect Localization", "Defect Description",
                                 "Defect Analysis", "Object Classification", "Object Analysis"]

    public struct Row: Sendable, Codable, Equatable {
        public let dataset: String
        /// Accuracy in [0, 1] by column; absent where the dataset has no such question.
        public let accuracy: [String: Double]
        public let questions: Int
        /// Mean of the present columns.
        public var average: Double? { accuracy.isEmpty ? nil : accuracy.values.reduce(0, +) / Double(accuracy.count) }
    }

    public let rows: [Row]
    /// Answers without a letter: unparseable, empty, or failed calls.
    public let unanswered: Int

    public init(_ answers: [MMADAnswer]) {
        let datasets = Set(answers.map { MMADQuestions.datasetAndClass(of: $0.image).dataset }).sorted()
        var rows = datasets.map { dataset in
            Self.row(dataset, answers.filter { MMADQuestions.datasetAndClass(of: $0.image).dataset == dataset })
        }
        if datasets.count > 1 { rows.append(Self.row("all", answers)) }
        self.rows = rows
        unanswered = answers.filter { $0.gpt_answer.isEmpty }.count
    }

    static func column(of type: String) -> String {
        type == "Object Structure" || type == "Object Details" ? "Object Analysis" : type
    }

    static func row(_ dataset: String, _ answers: [MMADAnswer]) -> Row {
        var accuracy: [String: Double] = [:]
        for (column, group) in Dictionary(grouping: answers, by: { column(of: $0.question_type) }) {
            if column == "Anomaly Detection" {
                let normal = group.filter { MMADQuestions.isNormal($0.image) }, defective = group.filter { !MMADQuestions.isNormal($0.image) }
                let parts = [normal, defective].filter { !$0.isEmpty }.map { Double($0.filter(\.isCorrect).count) / Double($0.count) }
                accuracy[column] = parts.reduce(0, +) / Double(parts.count)
            } else {
                accuracy[column] = Double(group.filter(\.isCorrect).count) / Double(group.count)
            }
        }
        return Row(dataset: dataset, accuracy: accuracy, questions: answers.count)
    }
}
