import ArgumentParser
import EchoExperts
import EchoStore
import Foundation

/// `echoctl knowledge …`: the Knowledge Guide's domain knowledge in the store.
struct Knowledge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Domain knowledge of products and their defects, for the MLLM experts.",
        subcommands: [ImportKnowledge.self, ShowKnowledge.self, ListKnowledge.self])
}

/// `echoctl knowledge import FILE`.
struct ImportKnowledge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import knowledge: MMAD's domain_knowledge.json, or Echo's own JSON format (see the README).",
        discussion: "Entries are keyed by category and name; importing again replaces them.")

    @Argument(help: "The knowledge file.") var file: String
    @Option(help: "Only this dataset of MMAD's file (MVTec, MVTec-LOCO, VisA, GoodsAD).") var dataset: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try storeOptions.open(.readWrite, logger: runtime.prepare(label: "knowledge"))
        let entries: [KnowledgeEntry]
        do {
            entries = try KnowledgeImporter.entries(fromFile: file, dataset: dataset)
        } catch {
            throw CommandFailure(error.description)
        }
        let counts = try orFail { () throws(StoreError) in try store.importKnowledge(entries) }
        let categories = Set(entries.map(\.category)).count
        if output.json {
            return try printJSON(["entries": entries.count, "added": counts.added, "replaced": counts.replaced, "categories": categories])
        }
        print("imported \(entries.count) entries for \(categories) categories (\(counts.added) new, \(counts.replaced) replaced)")
    }
}

/// `echoctl knowledge show C [--question TEXT]`.
struct ShowKnowledge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a category's knowledge, or what the Knowledge Guide selects for a question.")

    @Argument(help: "The product (category).") var category: String
    @Option(help: "Show only the entries selected for this question (and its options).") var question: String?
    @Option(help: "Defect types selected per question.") var defects: Int = 3
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try storeOptions.open(.readOnly, logger: runtime.prepare(label: "knowledge"))
        let entries: [KnowledgeEntry]
        if let question {
            do {
                entries = try KnowledgeGuide(store: store, defectLimit: defects)
                    .select(category: category, question: MultipleChoiceQuestion(text: question, options: [])).entries
            } catch {
                throw CommandFailure(error.description)
            }
        } else {
            entries = try orFail { () throws(StoreError) in try store.knowledge(of: category) }
        }
        guard !entries.isEmpty else {
            throw CommandFailure("no knowledge for \"\(category)\"; import some with `echoctl knowledge import FILE` (see `echoctl knowledge list`)")
        }
        if output.json { return try printJSON(entries) }
        for entry in entries {
            print("\(entry.kind == .normal ? "normal" : "defect") \(entry.key) — \(entry.title)")
            print("  \(entry.description)")
            if let tolerance = entry.tolerance { print("  tolerance: \(tolerance)") }
        }
    }
}

/// `echoctl knowledge list`.
struct ListKnowledge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Categories with knowledge and their entry counts.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let store = try storeOptions.open(.readOnly, logger: runtime.prepare(label: "knowledge"))
        let categories = try orFail { () throws(StoreError) in try store.knowledgeCategories() }
        if output.json {
            return try printJSON(categories.map { ["category": $0.category, "dataset": $0.dataset ?? "", "entries": String($0.entries)] })
        }
        print(Table(headers: ["category", "dataset", "entries"], rows: categories.map { [$0.category, $0.dataset ?? "-", String($0.entries)] }).rendered)
    }
}
