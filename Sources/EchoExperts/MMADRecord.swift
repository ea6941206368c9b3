import Foundation

/// One query image of MMAD's `mmad.json`, keyed in the file by its path relative to the
/// data root (`DS-MVTec/bottle/image/broken_large/000.png`).
public struct MMADRecord: Sendable, Equatable {
    /// One question of the record's conversation, as MMAD asks it.
    public struct Question: Sendable, Equatable {
        public let text: String
        /// The options in the file's order, lettered A, B, C, … by position as MMAD's
        /// `parse_conversation` letters them.
        public let options: [MultipleChoiceQuestion.Option]
        /// The correct letter after that lettering.
        public let answer: String
        /// "Anomaly Detection", "Defect Classification", ...
        public let type: String

        public init(text: String, options: [MultipleChoiceQuestion.Option], answer: String, type: String) {
            self.text = text
            self.options = options
            self.answer = answer
            self.type = type
        }

        /// As the experts ask it.
        public var multipleChoice: MultipleChoiceQuestion { MultipleChoiceQuestion(text: text, options: options, type: type) }
    }

    public let conversation: [Question]
    /// Normal images of the same class most similar to the query, relative to the data
    /// root (MMAD's `--similar_template` setting).
    public let similarTemplates: [String]
    /// Normal images of the same class chosen at random: the templates of every
    /// published MMAD result.
    public let randomTemplates: [String]
    /// The defect mask, relative to the dataset and class folder ("" for normal images).
    public let maskPath: String

    public init(conversation: [Question], similarTemplates: [String], randomTemplates: [String], maskPath: String = "") {
        self.conversation = conversation
        self.similarTemplates = similarTemplates
        self.randomTemplates = randomTemplates
        self.maskPath = maskPath
    }
}

/// MMAD's question file: records by query path, in the file's order (as MMAD iterates
/// them).
public struct MMADQuestions: Sendable {
    public let records: [(path: String, record: MMADRecord)]

    public init(records: [(path: String, record: MMADRecord)]) {
        self.records = records
    }

    /// Reads `mmad.json` (or a file of the same format).
    /// - Throws: `.input` for an unreadable file or one not in MMAD's format, saying where.
    public init(path: String) throws(ExpertError) {
        try self.init(data: try ExpertError.readFile(path, what: "the MMAD questions"), source: path)
    }

    /// Reads the bytes of an `mmad.json` document.
    /// - Throws: `.input` for bytes not in MMAD's format, naming `source` and saying where.
    package init(data: Data, source path: String) throws(ExpertError) {
        do {
            records = try Self.records(in: data)
        } catch let problem as FormatProblem {
            throw .input("\(path) is not in MMAD's mmad.json format: \(problem.description)")
        } catch {
            throw .input("\(path) is not in MMAD's mmad.json format: \(error)")
        }
    }

    /// The records of an `mmad.json` document.
    static func records(in data: Data) throws -> [(path: String, record: MMADRecord)] {
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw FormatProblem("not JSON (\(error))")
        }
        guard let members = document.members else { throw FormatProblem("the file holds \(document.kind), not an object of records by image path") }
        var seen = Set<String>()
        return try members.map { member in
            guard seen.insert(member.key).inserted else { throw FormatProblem("the image \(member.key) appears twice") }
            return (member.key, try record(member.value, at: member.key))
        }
    }

    private static func record(_ value: JSONValue, at path: String) throws -> MMADRecord {
        guard value.members != nil else { throw FormatProblem("at \(path): \(value.kind), not a record") }
        guard let conversation = value["conversation"]?.arrayValue else { throw FormatProblem("at \(path): missing \"conversation\" (a list of questions)") }
        let questions = try conversation.enumerated().map { index, question in try Self.question(question, at: "\(path).conversation[\(index)]") }
        func paths(_ key: String) throws -> [String] {
            guard let list = value[key] else { return [] }
            guard let items = list.arrayValue else { throw FormatProblem("at \(path).\(key): \(list.kind), not a list of paths") }
            return try items.map { item in
                guard let text = item.stringValue else { throw FormatProblem("at \(path).\(key): \(item.kind), not a path") }
                return text
            }
        }
        return MMADRecord(conversation: questions, similarTemplates: try paths("similar_templates"), randomTemplates: try paths("random_templates"),
                          maskPath: value["mask_path"]?.stringValue ?? "")
    }

    private static func question(_ value: JSONValue, at path: String) throws -> MMADRecord.Question {
        func text(_ key: String) throws -> String {
            guard let field = value[key] else { throw FormatProblem("at \(path): missing \"\(key)\"") }
            guard let text = field.stringValue else { throw FormatProblem("at \(path).\(key): \(field.kind), not text") }
            return text
        }
        guard let optionsValue = value["Options"] else { throw FormatProblem("at \(path): missing \"Options\"") }
        guard let options = optionsValue.members, !options.isEmpty else { throw FormatProblem("at \(path).Options: \(optionsValue.kind), not an object of options") }
        guard options.count <= 26 else { throw FormatProblem("at \(path).Options: \(options.count) options; at most 26 can be lettered") }
        let answerKey = try text("Answer")
        var lettered: [MultipleChoiceQuestion.Option] = [], answer: String?
        for (index, option) in options.enumerated() {
            guard let optionText = option.value.stringValue else { throw FormatProblem("at \(path).Options.\(option.key): \(option.value.kind), not text") }
            let letter = String(UnicodeScalar(UInt8(65 + index)))
            lettered.append(.init(letter: letter, text: optionText))
            if option.key == answerKey, answer == nil { answer = letter }
        }
        guard let answer else {
            throw FormatProblem("at \(path): the answer \"\(answerKey)\" is none of the options (\(options.map(\.key).joined(separator: ", ")))")
        }
        return MMADRecord.Question(text: try text("Question"), options: lettered, answer: answer, type: try text("type"))
    }

    /// The dataset (first path component, e.g. `DS-MVTec`) and the class (second, e.g.
    /// `bottle`) of a query path.
    public static func datasetAndClass(of path: String) -> (dataset: String, className: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }

    /// Whether a query path is a normal image, as MMAD's scorer decides it: `good`
    /// anywhere in the path.
    public static func isNormal(_ path: String) -> Bool { path.contains("good") }
}

/// Why a file is not in an MMAD format, with where.
struct FormatProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
