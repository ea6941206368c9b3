/// The Reasoning Expert's stepwise reasoning: Observe → Compare → Decide.
public struct ReasoningTrace: Sendable, Codable, Equatable {
    /// What the model saw in the image under inspection.
    public let observe: String
    /// How it differs from the normal references (or the normal characteristics).
    public let compare: String
    /// What that means for the question.
    public let decide: String
    /// False when the model did not answer in the asked structure; then `decide` holds its
    /// whole text.
    public let structured: Bool

    public init(observe: String, compare: String, decide: String, structured: Bool) {
        self.observe = observe
        self.compare = compare
        self.decide = decide
        self.structured = structured
    }

    /// The trace in a model's answer: a JSON object with observe/compare/decide, else
    /// prose with "Observe:", "Compare:", "Decide:" headings, else the whole text as the
    /// decision (unstructured).
    public static func parse(_ text: String) -> ReasoningTrace {
        if let object = JSONExtraction.firstObject(in: text) {
            let observe = object["observe"] as? String, compare = object["compare"] as? String, decide = object["decide"] as? String
            if observe != nil || compare != nil || decide != nil {
                return ReasoningTrace(observe: observe ?? "", compare: compare ?? "", decide: decide ?? "", structured: true)
            }
        }
        let headings = /(?im)^[^\w\n]*(observe|compare|decide)[^\w\n]*?[:\-][^\w\n]*/
        let matches = text.matches(of: headings)
        if matches.count >= 2 {
            var sections: [String: String] = [:]
            for (i, match) in matches.enumerated() {
                let end = i + 1 < matches.count ? matches[i + 1].range.lowerBound : text.endIndex
                sections[match.1.lowercased()] = String(text[match.range.upperBound..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return ReasoningTrace(observe: sections["observe"] ?? "", compare: sections["compare"] ?? "", decide: sections["decide"] ?? "",
                                  structured: true)
        }
        return ReasoningTrace(observe: "", compare: "", decide: text.trimmingCharacters(in: .whitespacesAndNewlines), structured: false)
    }

    /// The trace as prompt text for the Decision Maker.
    public var promptText: String {
        structured
            ? "Observe: \(observe)\nCompare: \(compare)\nDecide: \(decide)"
            : decide
    }
}
