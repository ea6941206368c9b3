import Foundation
import GRDB

extension SQLiteBackend {
    public func importKnowledge(_ entries: [KnowledgeEntry], at time: String) throws(StoreError) -> (added: Int, replaced: Int) {
        try write { db in
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
                    try update.execute(arguments: [entry.dataset, entry.kind.rawValue, entry.title, entry.description, entry.tolerance, time, id])
                    replaced += 1
                } else {
                    try insert.execute(arguments: [entry.category, entry.dataset, entry.key, entry.kind.rawValue, entry.title, entry.description,
                                                   entry.tolerance, time])
                    added += 1
                }
            }
            return (added, replaced)
        }
    }

    public func knowledge(of category: String) throws(StoreError) -> [KnowledgeEntry] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM knowledge_entries WHERE category = ? ORDER BY kind = 'defect', key",
                             arguments: [category]).map(Self.knowledgeEntry)
        }
    }

    public func knowledgeCategories() throws(StoreError) -> [(category: String, dataset: String?, entries: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT category, max(dataset) AS dataset, COUNT(*) AS n FROM knowledge_entries GROUP BY category ORDER BY category")
                .map { (category: $0["category"], dataset: $0["dataset"], entries: $0["n"]) }
        }
    }

    /// FTS5 with bm25 ranking: a match in the key or title column first, then any mention.
    public func searchKnowledge(category: String, words: [String], kind: KnowledgeEntry.Kind?, limit: Int) throws(StoreError) -> [RankedKnowledge] {
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

    static func knowledgeEntry(_ row: Row) -> KnowledgeEntry {
        KnowledgeEntry(category: row["category"], dataset: row["dataset"], key: row["key"],
                       kind: KnowledgeEntry.Kind(rawValue: row["kind"]) ?? .defect, title: row["title"], description: row["description"],
                       tolerance: row["tolerance"])
    }
}
