import Foundation
import GRDB

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
        let now = Self.timestamp()
        return try write { db in
            var added = 0, replaced = 0
            let existing = try db.cachedStatement(sql: "SELECT id FROM knowledge_entries WHERE category = ? AND key = ?")
            let update = try db.cachedStatement(sql: """
                UPDATE knowledge_entries SET dataset = ?, kind = ?, title = ?, description = ?, tolerance = ?, imported_at = ? WHERE id = ?
                """)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO knowledge_entries (category, dataset, key, kind, title, description, tolerance, imported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for entry in entries {
                if let id = try Int64.fetchOne(existing, arguments: [entry.category, entry.key]) {
                    try update.execute(arguments: [entry.dataset, entry.kind.rawValue, entry.title, entry.description, entry.tolerance, now, id])
                    replaced += 1
                } else {
                    try insert.execute(arguments: [entry.category, entry.dataset, entry.key, entry.kind.rawValue, entry.title, entry.description,
                                                   entry.tolerance, now])
                    added += 1
                }
            }
            return (added, replaced)
        }
    }

    /// Every knowledge entry of a category: the normal one first, then defects by key.
    /// Empty when the category has none.
    /// - Throws: `.database`.
    public func knowledge(of category: String) throws(StoreError) -> [KnowledgeEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM knowledge_entries WHERE category = ? ORDER BY kind = 'defect', key",
                             arguments: [category]).map(Self.knowledgeEntry)
        }
    }

    /// The categories that have knowledge, with their entry counts, by name.
    /// - Throws: `.database`.
    public func knowledgeCategories() throws(StoreError) -> [(category: String, dataset: String?, entries: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT category, max(dataset) AS dataset, COUNT(*) AS n FROM knowledge_entries GROUP BY category ORDER BY category")
                .map { (category: $0["category"], dataset: $0["dataset"], entries: $0["n"]) }
        }
    }

    /// The category's entries of `kind` that match any word of `text`, most relevant
    /// first: entries whose key or title has one of the words (a question naming a defect
    /// type, "Contamination.") before entries that only mention them in their
    /// description or tolerance; each tier ranked by FTS5 BM25 with English stemming.
    /// Punctuation and FTS syntax in `text` are ignored. Empty when no word matches.
    /// - Throws: `.database`.
    public func searchKnowledge(category: String, matching text: String, kind: KnowledgeEntry.Kind? = nil, limit: Int) throws(StoreError) -> [RankedKnowledge] {
        let words = KnowledgeQuery.words(text)
        guard !words.isEmpty, limit > 0 else { return [] }
        let any = "(" + words.map { "\"\($0)\"" }.joined(separator: " OR ") + ")"
        return try read { db in
            func search(_ match: String) throws -> [RankedKnowledge] {
                try Row.fetchAll(db, sql: """
                    SELECT e.*, bm25(knowledge_search) AS rank FROM knowledge_search
                    JOIN knowledge_entries e ON e.id = knowledge_search.rowid
                    WHERE knowledge_search MATCH ? AND e.category = ? AND (? IS NULL OR e.kind = ?)
                    ORDER BY rank, e.key
                    """, arguments: [match, category, kind?.rawValue, kind?.rawValue])
                    .map { RankedKnowledge(entry: Self.knowledgeEntry($0), relevance: -($0["rank"] as Double)) }
            }
            let named = try search("{key title} : " + any)
            let keys = Set(named.map(\.entry.key))
            let mentioned = try search(any).filter { !keys.contains($0.entry.key) }
            return Array((named + mentioned).prefix(limit))
        }
    }

    private static func knowledgeEntry(_ row: Row) -> KnowledgeEntry {
        KnowledgeEntry(category: row["category"], dataset: row["dataset"], key: row["key"],
                       kind: KnowledgeEntry.Kind(rawValue: row["kind"]) ?? .defect, title: row["title"], description: row["description"],
                       tolerance: row["tolerance"])
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
