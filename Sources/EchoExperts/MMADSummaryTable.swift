/// MMAD's accuracy table exactly as its scorer computes it
/// (`evaluation/examples/helper/summary.py`, `caculate_accuracy_mmad` with
/// `show_overkill_miss=True`, jam-cc/MMAD at bad03b4), in percent, plus the Recall,
/// Precision and F1 columns of MMAD's published `_accuracy.csv` files. Its rules,
/// quirks included:
///
/// 1. **Rows and columns.** A row per dataset (the image path's first component), in
///    order of first appearance; a column per question type seen anywhere in the file,
///    in order of first appearance, "Object Structure" and "Object Details" pooled as
///    "Object Analysis". Both lists are built from *every* answer, before any is dropped.
/// 2. **Dropped answers.** An answer whose `correct_answer` or `gpt_answer` is not one of
///    A–E is left out of every count. The scorer removes it from the list it is looping
///    over, so the answer after each dropped one is skipped too (never counted, whatever
///    it is).
/// 3. **Missing cells are 0.** A dataset with no (counted) question of a type scores 0
///    there, and that 0 enters its average.
/// 4. **Anomaly Detection** is (accuracy on normal images + accuracy on the others) / 2,
///    an image being normal when `good` occurs anywhere in its path; a side with no
///    images scores 0.
/// 5. **Average** (a column): the mean of the dataset's question-type cells. Recall,
///    Precision and F1 of the anomalous class on Anomaly Detection (0 when undefined),
///    Overkill (100 − normal accuracy) and Miss (100 − anomalous accuracy) follow it and do
///    not enter it.
/// 6. **Average** (the last row): the plain mean over the dataset rows of every column;
///    its Average cell is MMAD's headline number.
public struct MMADSummaryTable: Sendable, Equatable {
    /// The question-type columns, then Average, Recall, Precision, F1, Overkill, Miss.
    public let columns: [String]
    /// Dataset rows in order, then the "Average" row; each value by column.
    public let rows: [Row]
    /// Answers left out because a letter was not A–E (rule 2).
    public let dropped: Int
    /// Answers never looked at because they followed a dropped one (rule 2).
    public let skipped: Int

    public struct Row: Sendable, Equatable {
        public let label: String
        public let values: [String: Double]
    }

    /// The columns summary.py itself writes (every column but Recall, Precision and F1).
    public var summaryColumns: [String] { columns.filter { !["Recall", "Precision", "F1"].contains($0) } }

    /// The headline: the Average row's Average cell (0 for an empty file).
    public var headline: Double { rows.last?.values["Average"] ?? 0 }

    public init(_ answers: [MMADAnswerRecord]) {
        func column(_ type: String) -> String { type == "Object Structure" || type == "Object Details" ? "Object Analysis" : type }
        func dataset(_ image: String) -> String { MMADQuestions.datasetAndClass(of: image).dataset }
        var datasets: [String] = [], types: [String] = []
        for answer in answers {
            if !datasets.contains(dataset(answer.image)) { datasets.append(dataset(answer.image)) }
            if !types.contains(column(answer.questionType)) { types.append(column(answer.questionType)) }
        }
        struct Tally { var total = 0, correct = 0 }
        var byType: [String: [String: Tally]] = [:], normal: [String: Tally] = [:], anomalous: [String: Tally] = [:]
        let letters: Set<String> = ["A", "B", "C", "D", "E"]
        var index = 0, dropped = 0, skipped = 0
        while index < answers.count {
            let answer = answers[index]
            let name = dataset(answer.image), type = column(answer.questionType)
            guard let expected = answer.correctAnswer, let given = answer.gptAnswer, letters.contains(expected), letters.contains(given) else {
                // `all_answers_json.remove(answer)` inside the loop removes an equal record
                // at or before this one, so the loop's next step lands one further on,
                // whichever equal record it removed.
                dropped += 1
                if index + 1 < answers.count { skipped += 1 }
                index += 2
                continue
            }
            let right = expected == given
            byType[name, default: [:]][type, default: Tally()].total += 1
            if right { byType[name]![type]!.correct += 1 }
            if type == "Anomaly Detection" {
                if answer.image.contains("good") {
                    normal[name, default: Tally()].total += 1
                    if right { normal[name]!.correct += 1 }
                } else {
                    anomalous[name, default: Tally()].total += 1
                    if right { anomalous[name]!.correct += 1 }
                }
            }
            index += 1
        }
        func ratio(_ tally: Tally?) -> Double {
            guard let tally, tally.total > 0 else { return 0 }
            return Double(tally.correct) / Double(tally.total)
        }
        var rows: [Row] = []
        for name in datasets {
            var values: [String: Double] = [:]
            let normalAccuracy = ratio(normal[name]), anomalousAccuracy = ratio(anomalous[name])
            for type in types {
                values[type] = type == "Anomaly Detection" ? (normalAccuracy + anomalousAccuracy) / 2 * 100 : ratio(byType[name]?[type]) * 100
            }
            values["Average"] = types.isEmpty ? .nan : types.map { values[$0]! }.reduce(0, +) / Double(types.count)
            let truePositives = Double(anomalous[name]?.correct ?? 0)
            let falsePositives = Double((normal[name]?.total ?? 0) - (normal[name]?.correct ?? 0))
            let falseNegatives = Double((anomalous[name]?.total ?? 0) - (anomalous[name]?.correct ?? 0))
            let precision = truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : 0
            let recall = truePositives + falseNegatives > 0 ? truePositives / (truePositives + falseNegatives) : 0
            values["Recall"] = recall * 100
            values["Precision"] = precision * 100
            values["F1"] = precision + recall > 0 ? 2 * precision * recall / (precision + recall) * 100 : 0
            values["Overkill"] = (1 - normalAccuracy) * 100
            values["Miss"] = (1 - anomalousAccuracy) * 100
            rows.append(Row(label: name, values: values))
        }
        columns = types + ["Average", "Recall", "Precision", "F1", "Overkill", "Miss"]
        if !rows.isEmpty {
            var mean: [String: Double] = [:]
            for column in columns { mean[column] = rows.map { $0.values[column]! }.reduce(0, +) / Double(rows.count) }
            rows.append(Row(label: "Average", values: mean))
        }
        self.rows = rows
        self.dropped = dropped
        self.skipped = skipped
    }

    /// The table in the layout of MMAD's `_accuracy.csv` files: an unnamed index column,
    /// one line per row, full-precision numbers (as pandas writes them).
    public func csv(columns chosen: [String]? = nil) -> String {
        let columns = chosen ?? self.columns
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [([""] + columns).map(field).joined(separator: ",")]
        for row in rows {
            lines.append(([field(row.label)] + columns.map { row.values[$0].map(Self.pythonRepr) ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A float as Python's `repr` writes it (shortest round-trip digits; `nan`, `inf`).
    static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return "\(value)"
    }
}
