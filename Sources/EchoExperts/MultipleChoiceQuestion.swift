/// A multiple-choice question about an image, as MMAD asks them.
public struct MultipleChoiceQuestion: Sendable, Codable, Equatable {
    /// One option: its letter and text.
    public struct Option: Sendable, Codable, Equatable {
        public let letter: String
        public let text: String

        public init(letter: String, text: String) {
            self.letter = letter
            self.text = text
        }
    }

    public let text: String
    /// Options in letter order.
    public let options: [Option]
    /// MMAD's question type ("Anomaly Detection", "Defect Classification", ...), if known.
    public let type: String?

    public init(text: String, options: [Option], type: String? = nil) {
        self.text = text
        self.options = options.sorted { $0.letter < $1.letter }
        self.type = type
    }

    /// The letters a valid answer may be.
    public var letters: [String] { options.map(\.letter) }

    /// The question and its options as the prompt shows them ("A. Yes.").
    public var rendered: String {
        ([text] + options.map { "\($0.letter). \($0.text)" }).joined(separator: "\n")
    }
}
