/// Echo's strict reading of an answers file, printed beside MMAD's own
/// (`MMADSummaryTable`): every answer counts and one without a letter is wrong; a
/// dataset's cell exists only where it has questions of that type, and Anomaly Detection
/// is balanced over the sides it has. Object Structure and Object Details are pooled as
/// Object Analysis, as MMAD does. The last row averages the datasets with equal weight,
/// as MMAD's headline does.
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

    /// One row per dataset, in first-appearance order, then "Average" when there are
    /// several.
    public let rows: [Row]
    /// Answers without a letter A–E: unparseable, empty, or failed calls.
    public let unanswered: Int

    public init(_ answers: [MMADAnswerRecord]) {
        var datasets: [String] = []
        for answer in answers where !datasets.contains(Self.dataset(answer.image)) { datasets.append(Self.dataset(answer.image)) }
        var rows = datasets.map { dataset in Self.row(dataset, answers.filter { Self.dataset($0.image) == dataset }) }
        if rows.count > 1 {
            var mean: [String: Double] = [:]
            for column in Self.columns {
                let values = rows.compactMap { $0.accuracy[column] }
                if !values.isEmpty { mean[column] = values.reduce(0, +) / Double(values.count) }
            }
            rows.append(Row(dataset: "Average", accuracy: mean, questions: answers.count))
        }
        self.rows = rows
        unanswered = answers.filter { !Self.isLetter($0.gptAnswer) }.count
    }

    /// The headline: the mean of the dataset rows' averages.
    public var headline: Double? {
        let averages = rows.filter { $0.dataset != "Average" || rows.count == 1 }.compactMap(\.average)
        return averages.isEmpty ? nil : averages.reduce(0, +) / Double(averages.count)
    }

    static func dataset(_ image: String) -> String { MMADQuestions.datasetAndClass(of: image).dataset }

    static func isLetter(_ text: String?) -> Bool { text.map { ["A", "B", "C", "D", "E"].contains($0) } ?? false }

    static func isCorrect(_ answer: MMADAnswerRecord) -> Bool { isLetter(answer.gptAnswer) && answer.gptAnswer == answer.correctAnswer }

    static func column(of type: String) -> String {
        type == "Object Structure" || type == "Object Details" ? "Object Analysis" : type
    }

    static func row(_ dataset: String, _ answers: [MMADAnswerRecord]) -> Row {
        var accuracy: [String: Double] = [:]
        for (column, group) in Dictionary(grouping: answers, by: { column(of: $0.questionType) }) {
            if column == "Anomaly Detection" {
                let normal = group.filter { MMADQuestions.isNormal($0.image) }, defective = group.filter { !MMADQuestions.isNormal($0.image) }
                let parts = [normal, defective].filter { !$0.isEmpty }.map { Double($0.filter(isCorrect).count) / Double($0.count) }
                accuracy[column] = parts.reduce(0, +) / Double(parts.count)
            } else {
                accuracy[column] = Double(group.filter(isCorrect).count) / Double(group.count)
            }
        }
        return Row(dataset: dataset, accuracy: accuracy, questions: answers.count)
    }
}
