/// MMAD's own reading of a model's reply (`parse_answer` in its query scripts): the last
/// capital A–E standing alone as a word (Python's `\b([A-E])\b`, whose word characters are
/// Unicode letters, digits and `_`); when there is none, the option whose text is closest
/// to the whole reply by `difflib.get_close_matches(reply, options, n=1, cutoff=0.0)`.
///
/// Unlike `AnswerParser` it never declines: "A jagged break" is option A, "I cannot
/// tell" becomes the closest option. Echo's `mmad` protocol uses it so that its answers
/// are MMAD's; the `echo` protocol keeps the stricter parser.
public enum MMADLetterExtraction {
    /// The letter MMAD would record for `reply`, and whether it came from the fallback
    /// (closest option text). Nil only when there are no options and no letter.
    public static func letter(in reply: String, options: [MultipleChoiceQuestion.Option]) -> (letter: String, closestText: Bool)? {
        if let letter = lastStandaloneLetter(in: reply) { return (letter, false) }
        guard let closest = closestOption(to: reply, among: options) else { return nil }
        return (closest.letter, true)
    }

    /// The last A–E with a non-word character (or the text's edge) on both sides.
    static func lastStandaloneLetter(in text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var found: Unicode.Scalar?
        for (i, scalar) in scalars.enumerated() where ("A"..."E").contains(scalar) {
            let before = i > 0 ? isWordCharacter(scalars[i - 1]) : false
            let after = i + 1 < scalars.count ? isWordCharacter(scalars[i + 1]) : false
            if !before, !after { found = scalar }
        }
        return found.map { String($0) }
    }

    /// Python's `\w` for text: letters (categories L*), numbers (any numeric type) and `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return scalar.properties.numericType != nil
        }
    }

    /// The option `difflib.get_close_matches(reply, texts, n=1, cutoff=0.0)` picks: the
    /// highest `SequenceMatcher(None, text, reply).ratio()`, ties to the greater text
    /// (Python compares the (ratio, text) pairs), mapped back to the first option with
    /// that text.
    static func closestOption(to reply: String, among options: [MultipleChoiceQuestion.Option]) -> MultipleChoiceQuestion.Option? {
        let matcher = SequenceMatcher(second: Array(reply.unicodeScalars))
        var best: (ratio: Double, text: [UInt32])?
        for option in options {
            let text = Array(option.text.unicodeScalars)
            let ratio = matcher.ratio(first: text)
            let codes = text.map(\.value)
            // Python's max over (ratio, text) pairs: a later pair wins only when strictly greater.
            if let current = best, !(ratio > current.ratio || (ratio == current.ratio && current.text.lexicographicallyPrecedes(codes))) {
                continue
            }
            best = (ratio, codes)
        }
        guard let best else { return nil }
        return options.first { $0.text.unicodeScalars.map(\.value) == best.text }
    }
}

/// Python's `difflib.SequenceMatcher` with `isjunk=None` and `autojunk=True`, as far as
/// `ratio()` needs it: the second sequence is indexed once; an element occurring more than
/// `len // 100 + 1` times in a second sequence of 200 or more is "popular" and cannot
/// start a match (but a match may extend over it), exactly as difflib does.
struct SequenceMatcher {
    let second: [Unicode.Scalar]
    /// Positions of each non-popular element of `second`, ascending.
    private let positions: [Unicode.Scalar: [Int]]

    init(second: [Unicode.Scalar]) {
        self.second = second
        var positions: [Unicode.Scalar: [Int]] = [:]
        for (index, element) in second.enumerated() { positions[element, default: []].append(index) }
        if second.count >= 200 {
            let limit = second.count / 100 + 1
            positions = positions.filter { $0.value.count <= limit }
        }
        self.positions = positions
    }

    /// 2·M / (len(first) + len(second)), M the total size of the matching blocks; 1 when
    /// both are empty.
    func ratio(first: [Unicode.Scalar]) -> Double {
        let total = first.count + second.count
        guard total > 0 else { return 1 }
        var matched = 0
        var queue = [(0, first.count, 0, second.count)]
        while let (aLow, aHigh, bLow, bHigh) = queue.popLast() {
            let (i, j, k) = longestMatch(first, aLow, aHigh, bLow, bHigh)
            guard k > 0 else { continue }
            matched += k
            if aLow < i, bLow < j { queue.append((aLow, i, bLow, j)) }
            if i + k < aHigh, j + k < bHigh { queue.append((i + k, aHigh, j + k, bHigh)) }
        }
        return 2 * Double(matched) / Double(total)
    }

    /// difflib's `find_longest_match`: the longest block (earliest on ties) starting on a
    /// non-popular element, then extended over equal neighbours (no element is junk).
    private func longestMatch(_ a: [Unicode.Scalar], _ aLow: Int, _ aHigh: Int, _ bLow: Int, _ bHigh: Int) -> (Int, Int, Int) {
        var bestI = aLow, bestJ = bLow, bestSize = 0
        var lengths: [Int: Int] = [:]
        for i in aLow..<max(aLow, aHigh) {
            var next: [Int: Int] = [:]
            for j in positions[a[i]] ?? [] {
                if j < bLow { continue }
                if j >= bHigh { break }
                let k = (lengths[j - 1] ?? 0) + 1
                next[j] = k
                if k > bestSize { bestI = i - k + 1; bestJ = j - k + 1; bestSize = k }
            }
            lengths = next
        }
        while bestI > aLow, bestJ > bLow, a[bestI - 1] == second[bestJ - 1] { bestI -= 1; bestJ -= 1; bestSize += 1 }
        while bestI + bestSize < aHigh, bestJ + bestSize < bHigh, a[bestI + bestSize] == second[bestJ + bestSize] { bestSize += 1 }
        return (bestI, bestJ, bestSize)
    }
}
