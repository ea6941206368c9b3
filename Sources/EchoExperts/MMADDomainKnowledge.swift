import Foundation

/// MMAD's `domain_knowledge.json` as its `--domain_knowledge` setting uses it: for a query
/// image, the texts of its class joined by newlines, in the file's order, the dataset
/// named as the path's first component with "DS-MVTec" read as "MVTec".
public struct MMADDomainKnowledge: Sendable {
    /// Texts by dataset, then class, in file order.
    let texts: [String: [String: [String]]]

    /// Reads the file.
    /// - Throws: `.input` for an unreadable file or one not shaped
    ///   `{dataset: {class: {key: text}}}`, saying where.
    public init(path: String) throws(ExpertError) {
        try self.init(data: try ExpertError.readFile(path, what: "the domain knowledge"), source: path)
    }

    /// Reads the bytes of a `domain_knowledge.json` document.
    /// - Throws: `.input` for bytes not shaped `{dataset: {class: {key: text}}}`, naming `source`.
    package init(data: Data, source path: String) throws(ExpertError) {
        let document: JSONValue
        do {
            document = try JSONValue.parse(data)
        } catch {
            throw .input("\(path) is not JSON: \(error)")
        }
        var texts: [String: [String: [String]]] = [:]
        guard let datasets = document.members else { throw .input("\(path) holds \(document.kind), not MMAD's {dataset: {class: {key: text}}}") }
        for dataset in datasets {
            guard let classes = dataset.value.members else { throw .input("\(path): \(dataset.key) is \(dataset.value.kind), not an object of classes") }
            for entry in classes {
                guard let items = entry.value.members else { throw .input("\(path): \(dataset.key).\(entry.key) is \(entry.value.kind), not an object of texts") }
                texts[dataset.key, default: [:]][entry.key] = try items.map { item throws(ExpertError) in
                    guard let text = item.value.stringValue else { throw .input("\(path): \(dataset.key).\(entry.key).\(item.key) is \(item.value.kind), not text") }
                    return text
                }
            }
        }
        self.texts = texts
    }

    /// The knowledge MMAD shows with the query image at `path`, nil when the file has
    /// none for its class.
    public func text(forImage path: String) -> String? {
        let (dataset, className) = MMADQuestions.datasetAndClass(of: path)
        return texts[dataset.replacingOccurrences(of: "DS-MVTec", with: "MVTec")]?[className].map { $0.joined(separator: "\n") }
    }
}
