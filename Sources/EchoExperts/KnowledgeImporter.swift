import EchoStore
import Foundation

/// Reads knowledge files into entries. Two formats are accepted:
///
/// - **MMAD's `domain_knowledge.json`**: `{dataset: {class: {key: text}}}`, where `key` is
///   `good` or a defect name and `text` reads ` <Title>\n Description: …`.
/// - **Echo's own format** for one's products, one category object or a list of them:
///   ```json
///   {"category": "bracket",
///    "normal": "Bright zinc finish, two round holes, straight edges.",
///    "defects": [{"name": "scratch", "title": "Scratch", "description": "A thin bright line…",
///                 "tolerance": "Up to 2 mm on the back face."}]}
///   ```
public enum KnowledgeImporter {
    /// The entries in a knowledge file, optionally only one MMAD dataset's.
    /// - Throws: `.input` for an unreadable file, bad JSON (with where it broke) or a
    ///   shape that is neither format (with an example of each).
    public static func entries(fromFile path: String, dataset only: String? = nil) throws(ExpertError) -> [KnowledgeEntry] {
        let data = try ExpertError.readFile(path, what: "the knowledge file")
        return try entries(from: data, source: path, dataset: only)
    }

    /// The entries in knowledge JSON (see the type's documentation for the formats).
    /// - Throws: `.input` as `entries(fromFile:)`.
    public static func entries(from data: Data, source: String = "the knowledge file", dataset only: String? = nil) throws(ExpertError) -> [KnowledgeEntry] {
        let entries = try parse(data, source: source, dataset: only)
        guard !entries.isEmpty else { throw .input("\(source) holds no knowledge entries") }
        return entries
    }

    private static func parse(_ data: Data, source: String, dataset only: String?) throws(ExpertError) -> [KnowledgeEntry] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .input("\(source) is not valid JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] ?? error.localizedDescription)); fix it or export it again")
        }
        if let mmad = object as? [String: [String: [String: String]]], !mmad.isEmpty {
            if let only, mmad[only] == nil {
                throw .input("\(source) has no dataset \"\(only)\"; it has \(mmad.keys.sorted().joined(separator: ", "))")
            }
            for (dataset, classes) in mmad {
                guard !classes.isEmpty else { throw .input("\(source): dataset \"\(dataset)\" has no classes") }
                for (name, entries) in classes where entries.isEmpty {
                    throw .input("\(source): class \"\(name)\" of \(dataset) has no entries")
                }
            }
            return mmad.keys.sorted().filter { only == nil || $0 == only }.flatMap { dataset in
                mmad[dataset]!.keys.sorted().flatMap { category in
                    mmad[dataset]![category]!.keys.sorted().map { key in
                        mmadEntry(mmad[dataset]![category]![key]!, dataset: dataset, category: category, key: key)
                    }
                }
            }
        }
        guard only == nil else { throw .input("--dataset applies to MMAD's domain_knowledge.json only; \(source) is in Echo's own format") }
        if let one = object as? [String: Any], one["category"] != nil { return try ownEntries(one, source: source) }
        if let many = object as? [[String: Any]], !many.isEmpty {
            var all: [KnowledgeEntry] = []
            for one in many { all += try ownEntries(one, source: source) }
            return all
        }
        throw .input("""
            \(source) is neither MMAD's domain_knowledge.json ({"MVTec": {"bottle": {"good": " <Normal Characteristics>\\n Description: ..."}}}) \
            nor Echo's format ({"category": "bracket", "normal": "...", "defects": [{"name": "scratch", "description": "...", "tolerance": "..."}]})
            """)
    }

    /// An MMAD text: ` <Title>\n Description: body` (title and body trimmed; the whole
    /// text as the body when it has no such heading).
    static func mmadEntry(_ text: String, dataset: String, category: String, key: String) -> KnowledgeEntry {
        var title = key == "good" ? "Normal Characteristics" : key.replacingOccurrences(of: "_", with: " ").capitalized
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("<"), let close = body.firstIndex(of: ">") {
            title = String(body[body.index(after: body.startIndex)..<close]).trimmingCharacters(in: .whitespaces)
            body = String(body[body.index(after: close)...]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if body.hasPrefix("Description:") { body = String(body.dropFirst("Description:".count)).trimmingCharacters(in: .whitespacesAndNewlines) }
        return KnowledgeEntry(category: category, dataset: dataset, key: key, kind: key == "good" ? .normal : .defect, title: title,
                              description: body)
    }

    private static func ownEntries(_ object: [String: Any], source: String) throws(ExpertError) -> [KnowledgeEntry] {
        guard let category = object["category"] as? String, !category.isEmpty else {
            throw .input("\(source): every product needs a \"category\" string")
        }
        var entries: [KnowledgeEntry] = []
        if let normal = object["normal"] {
            guard let text = normal as? String, !text.isEmpty else { throw .input("\(source): \"normal\" of \(category) must be a non-empty string") }
            entries.append(KnowledgeEntry(category: category, key: "good", kind: .normal, title: "Normal Characteristics", description: text))
        }
        let defects: [[String: Any]]
        if let listed = object["defects"] {
            guard let list = listed as? [[String: Any]] else {
                throw .input("\(source): \"defects\" of \(category) must be a list of objects with \"name\" and \"description\"")
            }
            defects = list
        } else {
            defects = []
        }
        for (i, defect) in defects.enumerated() {
            guard let name = defect["name"] as? String, !name.isEmpty, let description = defect["description"] as? String, !description.isEmpty else {
                throw .input("\(source): defect \(i + 1) of \(category) needs a \"name\" and a \"description\"")
            }
            guard name != "good" else { throw .input("\(source): \"good\" is reserved for the normal characteristics of \(category); rename the defect") }
            let tolerance = defect["tolerance"] as? String
            entries.append(KnowledgeEntry(category: category, key: name, kind: .defect,
                                          title: (defect["title"] as? String) ?? name.replacingOccurrences(of: "_", with: " ").capitalized,
                                          description: description, tolerance: tolerance?.isEmpty == true ? nil : tolerance))
        }
        guard !entries.isEmpty else { throw .input("\(source): \(category) has neither \"normal\" nor \"defects\"") }
        return entries
    }
}
