import Foundation

/// One query image of MMAD's `mmad.json`, keyed in the file by its path relative to the
/// data root (`DS-MVTec/bottle/image/broken_large/000.png`).
public struct MMADRecord: Sendable, Decodable, Equatable {
    /// One question of the record's conversation.
    public struct Question: Sendable, Decodable, Equatable {
        public let text: String
        /// The correct letter.
        public let answer: String
        public let options: [String: String]
        /// "Anomaly Detection", "Defect Classification", ...
        public let type: String

        enum CodingKeys: String, CodingKey {
            case text = "Question", answer = "Answer", options = "Options", type
        }

        /// As the experts ask it.
        public var multipleChoice: MultipleChoiceQuestion {
            MultipleChoiceQuestion(text: text, options: options.map { .init(letter: $0.key, text: $0.value) }, type: type)
        }
    }

    public let imagePath: String
    public let conversation: [Question]
    /// Normal images of the same class most similar to the query (MMAD's 1-shot setting
    /// uses the first), relative to the data root.
    public let similarTemplates: [String]
    /// Normal images of the same class chosen at random.
    public let randomTemplates: [String]

    enum CodingKeys: String, CodingKey {
        case imagePath = "image_path", conversation, similarTemplates = "similar_templates", randomTemplates = "random_templates"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        imagePath = try container.decodeIfPresent(String.self, forKey: .imagePath) ?? ""
        conversation = try container.decode([Question].self, forKey: .conversation)
        similarTemplates = try container.decodeIfPresent([String].self, forKey: .similarTemplates) ?? []
        randomTemplates = try container.decodeIfPresent([String].self, forKey: .randomTemplates) ?? []
    }
}

/// MMAD's question file: records by query path, in path order.
public struct MMADQuestions: Sendable {
    public let records: [(path: String, record: MMADRecord)]

    /// Reads `mmad.json` (or a file of the same format).
    /// - Throws: `.input` for an unreadable file or one not in MMAD's format, saying where.
    public init(path: String) throws(ExpertError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .input("cannot read the MMAD questions \(path): \(error.localizedDescription)")
        }
        do {
            let decoded = try JSONDecoder().decode([String: MMADRecord].self, from: data)
            records = decoded.keys.sorted().map { ($0, decoded[$0]!) }
        } catch let error as DecodingError {
            throw .input("\(path) is not in MMAD's mmad.json format: \(Self.describe(error))")
        } catch {
            throw .input("\(path) is not in MMAD's mmad.json format: \(error)")
        }
    }

    /// The dataset (first path component, e.g. `DS-MVTec`) and the class (second, e.g.
    /// `bottle`) of a query path.
    public static func datasetAndClass(of path: String) -> (dataset: String, className: String) {
        let parts = path.split(separator: "/").map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }

    /// Whether a query path is a normal image (MMAD: `good` in the path).
    public static func isNormal(_ path: String) -> Bool { path.split(separator: "/").contains("good") }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing \"\(key.stringValue)\" " + at(context)
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}
