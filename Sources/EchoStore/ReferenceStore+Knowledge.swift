import Foundation

/// One entry of domain knowledge about a product: its normal characteristics, or one
/// defect type.
public struct KnowledgeEntry: Sendable, Codable, Equatable {
    /// Normal characteristics or a defect type.
    public enum Kind: String, Sendable, Codable {
        case normal, defect
    }

    public let category: String
    /// Where it came from (MMAD's `MVTec`, `VisA`, ...), if from a dataset.
    public let dataset: String?
    /// `good`, or the defect's name (`broken_large`); unique within the category.
    public let key: String
    public let kind: Kind
    /// A short heading: "Normal Characteristics", "Large Breakage".
    public let title: String
    public let description: String
    /// What is still acceptable, when known.
    public let tolerance: String?

    public init(category: String, dataset: String? = nil, key: String, kind: Kind, title: String, description: String, tolerance: String? = nil) {
        self.category = category
        self.dataset = dataset
        self.key = key
        self.kind = kind
        self.title = title
        self.description = description
        self.tolerance = tolerance
    }
}

/// A knowledge entry found by a relevance search, with its BM25 score (higher is more
/// relevant; SQLite's bm25() negated).
public struct RankedKnowledge: Sendable, Equatable {
    public let entry: KnowledgeEntry
    public let relevance: Double

    public init(entry: KnowledgeEntry, relevance: Double) {
        self.entry = entry
        self.relevance = relevance
    }
}

extension ReferenceStore {
    /// Adds or replaces knowledge entries (by category and key) in one transaction.
    /// Returns how many were new and how many replaced existing ones.
    /// - Throws: `.invalidArgument` for an entry with an empty category, key or
    ///   description; `.readOnly`; `.database`.
    @discardableResult
    public func importKnowledge(_ entries: [KnowledgeEntry]) throws(StoreError) -> (added: Int, replaced: Int) {
        try requireWritable()
        for entry in entries {
            guard !entry.category.isEmpty, !entry.key.isEmpty, !entry.description.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw StoreError(.invalidArgument, "a knowledge entry needs a category, a key and a description (got category \"\(entry.category)\", key \"\(entry.key)\")")
            }
        }
        // New names follow the category rule; knowledge for a category that exists under an
        // older name may still be replaced.
        for name in Set(entries.map(\.category)).sorted() where !CategoryName.isValid(name) {
            if (try? category(named: name)) == nil { try CategoryName.validate(name) }
        }
        return try backend.importKnowledge(entries, at: Self.timestamp())
    }

    /// Every knowledge entry of a category: the normal one first, then defects by key.
    /// Empty when the category has none.
    /// - Throws: `.database`.
    public func knowledge(of category: String) throws(StoreError) -> [KnowledgeEntry] {
        try backend.knowledge(of: category)
    }

    /// The categories that have knowledge, with their entry counts, by name.
    /// - Throws: `.database`.
    public func knowledgeCategories() throws(StoreError) -> [(category: String, dataset: String?, entries: Int)] {
        try backend.knowledgeCategories()
    }

    /// The category's entries of `kind` that match any word of `text`, most relevant
    /// first: entries whose key or title has one of the words (a question naming a defect
    /// type, "Contamination.") before entries that only mention them in their
    /// description or tolerance; each tier ranked by FTS5 BM25 with English stemming.
    /// Punctuation and FTS syntax in `text` are ignored. Empty when no word matches.
    /// - Throws: `.database`.
    public func searchKnowledge(category: String, matching text: String, kind: KnowledgeEntry.Kind? = nil, limit: Int) throws(StoreError) -> [RankedKnowledge] {
        try backend.searchKnowledge(category: category, words: KnowledgeQuery.words(text), kind: kind, limit: limit)
    }
}

/// Turning free text (a question and its options) into FTS5 search words.
enum KnowledgeQuery {
    /// Words too common in inspection questions to tell entries apart.
    static let stopWords: Set<String> = [
        "a", "an", "and", "any", "are", "as", "at", "be", "by", "defect", "defects", "does", "for", "from", "has", "have", "how",
        "in", "is", "it", "its", "no", "not", "object", "of", "on", "or", "the", "there", "this", "to", "what", "where", "which",
        "with", "yes", "image", "product",
    ]

    /// Lower-cased letter/digit runs of two or more characters, minus stop words, in
    /// first-seen order without repeats.
    static func words(_ text: String) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for token in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            let word = String(token)
            guard word.count >= 2, !stopWords.contains(word), seen.insert(word).inserted else { continue }
            result.append(word)
        }
        return result
    }
}
