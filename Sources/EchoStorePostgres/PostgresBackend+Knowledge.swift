import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    static let knowledgeColumns = "category, dataset, key, kind, title, description, tolerance"

    static func knowledgeEntry(_ row: PostgresRow) throws -> KnowledgeEntry {
        let (category, dataset, key, kind, title, description, tolerance) =
            try row.decode((String, String?, String, String, String, String, String?).self)
        return KnowledgeEntry(category: category, dataset: dataset, key: key, kind: KnowledgeEntry.Kind(rawValue: kind) ?? .defect,
                              title: title, description: description, tolerance: tolerance)
    }

    public func importKnowledge(_ entries: [KnowledgeEntry], at time: String) throws(StoreError) -> (added: Int, replaced: Int) {
        try write("importing knowledge") { session in
            var added = 0, replaced = 0
            for entry in entries {
                // xmax = 0 only for a row this statement inserted (not one it updated).
                let inserted = try session.column(Bool.self, """
                    INSERT INTO knowledge_entries (category, dataset, key, kind, title, description, tolerance, imported_at)
                    VALUES (\(entry.category), \(entry.dataset), \(entry.key), \(entry.kind.rawValue), \(entry.title), \(entry.description),
                            \(entry.tolerance), \(time))
                    ON CONFLICT (category, key) DO UPDATE SET dataset = excluded.dataset, kind = excluded.kind, title = excluded.title,
                        description = excluded.description, tolerance = excluded.tolerance, imported_at = excluded.imported_at
                    RETURNING (xmax = 0)
                    """)
                if inserted.first == true { added += 1 } else { replaced += 1 }
            }
            return (added, replaced)
        }
    }

    public func knowledge(of category: String) throws(StoreError) -> [KnowledgeEntry] {
        try statement("reading knowledge") { session in
            try session.query("""
                SELECT \(unescaped: Self.knowledgeColumns) FROM knowledge_entries WHERE category = \(category) ORDER BY kind = 'defect', key
                """).map(Self.knowledgeEntry)
        }
    }

    public func knowledgeCategories() throws(StoreError) -> [(category: String, dataset: String?, entries: Int)] {
        try statement("listing knowledge") { session in
            try session.query("SELECT category, max(dataset), count(*) FROM knowledge_entries GROUP BY category ORDER BY category").map { row in
                let (category, dataset, count) = try row.decode((String, String?, Int64).self)
                return (category: category, dataset: dataset, entries: Int(count))
            }
        }
    }

    /// PostgreSQL full-text search ('english' stemming), ranked by `ts_rank`: entries whose
    /// key or title has a word first, then those that mention one.
    public func searchKnowledge(category: String, words: [String], kind: KnowledgeEntry.Kind?, limit: Int) throws(StoreError) -> [RankedKnowledge] {
        // The words are letter and digit runs (KnowledgeQuery), so they are safe tsquery terms.
        let terms = words.filter { !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber } }
        guard !terms.isEmpty, limit > 0 else { return [] }
        let query = terms.joined(separator: " | ")
        return try read("searching knowledge") { session in
            func search(_ column: String) throws -> [RankedKnowledge] {
                try session.query("""
                    SELECT \(unescaped: Self.knowledgeColumns), ts_rank(\(unescaped: column), q)::float8
                    FROM knowledge_entries, to_tsquery('english', \(query)) q
                    WHERE category = \(category) AND (\(kind?.rawValue)::text IS NULL OR kind = \(kind?.rawValue)) AND \(unescaped: column) @@ q
                    ORDER BY 8 DESC, key
                    """).map { row in
                    RankedKnowledge(entry: try Self.knowledgeEntry(row), relevance: try row.makeRandomAccess()[7].decode(Double.self))
                }
            }
            let named = try search("named")
            let keys = Set(named.map(\.entry.key))
            let mentioned = try search("mentioned").filter { !keys.contains($0.entry.key) }
            return Array((named + mentioned).prefix(limit))
        }
    }
}
