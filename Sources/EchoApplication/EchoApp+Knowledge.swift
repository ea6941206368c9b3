import EchoExperts
import EchoStore
import Foundation

/// What a knowledge import did.
public struct KnowledgeImportOutcome: Sendable, Encodable, Equatable {
    public let entries: Int
    public let added: Int
    public let replaced: Int
    public let categories: Int
}

extension EchoApp {
    /// Imports knowledge (MMAD's domain_knowledge.json or Echo's own format); entries are
    /// keyed by category and name, so importing again replaces them.
    /// - Parameters:
    ///   - source: names the data in messages ("the request body", a file path).
    ///   - dataset: only this dataset of MMAD's file (1–100 letters, digits, `-_.`).
    /// - Throws: `invalid_parameter` for a bad dataset name; `bad_request` for data that is
    ///   not a knowledge file (saying why); `read_only`, `store_busy`, `store_failed`.
    public func importKnowledge(_ data: Data, source: String, dataset: String?) throws(EchoError) -> KnowledgeImportOutcome {
        if let dataset {
            guard (1...100).contains(dataset.count), dataset.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                throw EchoError(.invalidParameter, "the dataset is 1–100 letters, digits, '-', '_' or '.' (got \"\(dataset.prefix(120))\")")
            }
        }
        let entries = try classified { try KnowledgeImporter.entries(from: data, source: source, dataset: dataset) }
        let counts = try classified { try store.importKnowledge(entries) }
        return KnowledgeImportOutcome(entries: entries.count, added: counts.added, replaced: counts.replaced,
                                      categories: Set(entries.map(\.category)).count)
    }

    /// Imports the knowledge file at `path` (see `importKnowledge(_:source:dataset:)`).
    /// - Throws: `bad_request` when it cannot be read; otherwise as above.
    public func importKnowledge(fromFile path: String, dataset: String?) throws(EchoError) -> KnowledgeImportOutcome {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EchoError(.badRequest, "cannot read the knowledge file \(path): \(error.localizedDescription)", cause: error)
        }
        return try importKnowledge(data, source: path, dataset: dataset)
    }

    /// A category's knowledge, or what the Knowledge Guide selects for a question (the
    /// normal entries and the `defects` best-matching defect types).
    /// - Throws: `no_knowledge` when there is none (saying how to import some); `store_failed`.
    public func knowledge(of category: String, question: String? = nil, defects: Int = 3) throws(EchoError) -> [KnowledgeEntry] {
        guard defects >= 0 else { throw EchoError(.invalidParameter, "the number of defect types cannot be negative (got \(defects))") }
        let entries = try classified { () throws -> [KnowledgeEntry] in
            if let question {
                return try KnowledgeGuide(store: store, defectLimit: defects)
                    .select(category: category, question: MultipleChoiceQuestion(text: question, options: [])).entries
            }
            return try store.knowledge(of: category)
        }
        guard !entries.isEmpty else {
            throw EchoError(.noKnowledge, "no knowledge for \"\(category)\"; import some with `echoctl knowledge import FILE` or POST it to /v1/knowledge")
        }
        return entries
    }

    /// Categories with knowledge and their entry counts.
    /// - Throws: `store_failed`.
    public func knowledgeCategories() throws(EchoError) -> [(category: String, dataset: String?, entries: Int)] {
        try classified { try store.knowledgeCategories() }
    }
}
