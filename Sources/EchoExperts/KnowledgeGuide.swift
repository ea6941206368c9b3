import EchoStore

/// The knowledge chosen for one question: what the prompt says about the product.
public struct KnowledgeSelection: Sendable, Codable, Equatable {
    public let category: String
    /// The normal characteristics first (when known), then the chosen defect types.
    public let entries: [KnowledgeEntry]
    /// True when the defects were ranked by relevance to the question; false when no word
    /// of the question matched and the first defects by name were taken instead.
    public let rankedByRelevance: Bool
    /// How many entries the category has in all.
    public let available: Int

    /// The selection as prompt text; empty when there is nothing.
    public var promptText: String {
        guard !entries.isEmpty else { return "" }
        var lines = ["Domain knowledge about \(category):"]
        for entry in entries {
            let heading = entry.kind == .normal ? "Normal characteristics" : "Defect type \"\(entry.title)\" (\(entry.key))"
            lines.append("- \(heading): \(entry.description)" + (entry.tolerance.map { " Tolerance: \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// The Knowledge Guide: per question, the category's normal characteristics and the
/// defect types most relevant to the question and its options (SQLite FTS5, BM25), rather
/// than the whole category's knowledge.
public struct KnowledgeGuide: Sendable {
    public let store: ReferenceStore
    /// The most defect types one prompt gets.
    public let defectLimit: Int

    public init(store: ReferenceStore, defectLimit: Int = 3) {
        self.store = store
        self.defectLimit = defectLimit
    }

    /// The knowledge for a question about `category`. Without a question (inspection),
    /// or when no word of it matches, the first `defectLimit` defects by name.
    /// - Throws: `.store` when the store cannot be read.
    public func select(category: String, question: MultipleChoiceQuestion?) throws(ExpertError) -> KnowledgeSelection {
        let all: [KnowledgeEntry]
        do {
            all = try store.knowledge(of: category)
        } catch {
            throw .store(error)
        }
        let normal = all.filter { $0.kind == .normal }
        let defects = all.filter { $0.kind == .defect }
        var ranked: [KnowledgeEntry] = []
        if let question, defectLimit > 0 {
            let text = ([question.text] + question.options.map(\.text)).joined(separator: " ")
            do {
                ranked = try store.searchKnowledge(category: category, matching: text, kind: .defect, limit: defectLimit).map(\.entry)
            } catch {
                throw .store(error)
            }
        }
        let chosen = ranked.isEmpty ? Array(defects.prefix(defectLimit)) : ranked
        return KnowledgeSelection(category: category, entries: normal + chosen, rankedByRelevance: !ranked.isEmpty, available: all.count)
    }
}
