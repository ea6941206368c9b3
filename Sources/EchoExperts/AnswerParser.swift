import Foundation

/// How an answer's letter was found, from most to least certain.
public enum AnswerMatch: String, Sendable, Codable {
    /// The whole answer is the letter ("B", "(B)", "B.").
    case exact
    /// A JSON object's "answer" field.
    case json
    /// A phrase such as "Answer: B" or "the answer is (B)".
    case phrase
    /// The answer repeats one option's text.
    case optionText
    /// The last standalone option letter in prose (the article "A" before a lower-case
    /// word is not taken for option A).
    case lastStandalone
}

/// A parsed multiple-choice answer: a letter and how it was found, or an explicit
/// unparseable result carrying the raw text. Never a guess beyond the rules above.
public enum ParsedAnswer: Sendable, Equatable {
    case letter(String, AnswerMatch)
    case unparseable(String)

    /// The letter, if one was found.
    public var letter: String? {
        if case .letter(let letter, _) = self { return letter }
        return nil
    }
}

/// Reads a model's multiple-choice answer robustly.
public enum AnswerParser {
    /// The option letter in `text`, trying in order: the exact letter, a JSON "answer",
    /// an "answer is X" phrase, an option's text, the last standalone option letter.
    public static func parse(_ text: String, options question: MultipleChoiceQuestion) -> ParsedAnswer {
        let letters = Set(question.letters)
        let cleaned = text.replacingOccurrences(of: "**", with: "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !cleaned.isEmpty else { return .unparseable(text) }
        if let letter = exactLetter(cleaned), letters.contains(letter) { return .letter(letter, .exact) }
        if let object = JSONExtraction.firstObject(in: cleaned), let answer = object["answer"] as? String {
            let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
            if let letter = exactLetter(trimmed) ?? leadingLetter(trimmed), letters.contains(letter) { return .letter(letter, .json) }
        }
        if let letter = phraseLetter(cleaned, letters: letters) { return .letter(letter, .phrase) }
        let normalized = normalize(cleaned)
        if let option = question.options.first(where: { normalize($0.text) == normalized }) { return .letter(option.letter, .optionText) }
        if let letter = lastStandalone(cleaned, letters: letters) { return .letter(letter, .lastStandalone) }
        return .unparseable(text)
    }

    /// "B", "(B)", "B.", "B)", "[B]".
    static func exactLetter(_ text: String) -> String? {
        let stripped = text.trimmingCharacters(in: CharacterSet(charactersIn: "()[]{}.:;,!\"' \n\t"))
        return stripped.count == 1 && stripped.first!.isUppercase ? stripped : nil
    }

    /// "B. Yes." → "B".
    static func leadingLetter(_ text: String) -> String? {
        guard let match = text.firstMatch(of: /^\(?([A-Z])[\.\):]/) else { return nil }
        return String(match.1)
    }

    /// The last "answer is (B)", "Answer: B", "option B", "choice B".
    static func phraseLetter(_ text: String, letters: Set<String>) -> String? {
        let pattern = /(?i:answer(?:\s+is)?|option|choice)\s*[:\-]?\s*(?i:is\s+)?[\(\[]?([A-Z])[\)\]]?(?![A-Za-z])/
        return text.matches(of: pattern).map { String($0.1) }.last { letters.contains($0) }
    }

    static func lastStandalone(_ text: String, letters: Set<String>) -> String? {
        let characters = Array(text)
        var found: String?
        for i in characters.indices where characters[i].isUppercase && letters.contains(String(characters[i])) {
            let before = i > 0 ? characters[i - 1] : " "
            let after = i + 1 < characters.count ? characters[i + 1] : " "
            guard !before.isLetter, !before.isNumber, !after.isLetter, !after.isNumber, after != "'" else { continue }
            // "A jagged break": the article, not option A.
            if (characters[i] == "A" || characters[i] == "I"), after == " ", i + 2 < characters.count, characters[i + 2].isLowercase { continue }
            found = String(characters[i])
        }
        return found
    }

    static func normalize(_ text: String) -> String {
        text.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " }.split(separator: " ").joined(separator: " ")
    }
}

/// Finding the first JSON object in a model's text (which may wrap it in prose or a
/// Markdown code fence).
enum JSONExtraction {
    /// The first balanced `{…}` that parses as a JSON object.
    static func firstObject(in text: String) -> [String: Any]? {
        let characters = Array(text.utf8)
        var start = characters.firstIndex(of: UInt8(ascii: "{"))
        while let open = start {
            var depth = 0, inString = false, escaped = false
            for i in open..<characters.count {
                let c = characters[i]
                if inString {
                    if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                    continue
                }
                if c == UInt8(ascii: "\"") { inString = true } else if c == UInt8(ascii: "{") { depth += 1 } else if c == UInt8(ascii: "}") {
                    depth -= 1
                    if depth == 0 {
                        if let object = try? JSONSerialization.jsonObject(with: Data(characters[open...i])) as? [String: Any] { return object }
                        break
                    }
                }
            }
            start = characters[(open + 1)...].firstIndex(of: UInt8(ascii: "{"))
        }
        return nil
    }
}
