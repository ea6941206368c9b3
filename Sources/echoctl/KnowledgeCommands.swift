import ArgumentParser
import EchoApplication
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
        let counts = try storeOptions.app(.readWrite, runtime: runtime, label: "knowledge").importKnowledge(fromFile: file, dataset: dataset)
        if output.json { return try printJSON(counts) }
        print("imported \(counts.entries) entries for \(counts.categories) categories (\(counts.added) new, \(counts.replaced) replaced)")
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
        let entries = try storeOptions.app(.readOnly, runtime: runtime, label: "knowledge").knowledge(of: category, question: question, defects: defects)
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
        let categories = try storeOptions.app(.readOnly, runtime: runtime, label: "knowledge").knowledgeCategories()
        if output.json {
            return try printJSON(categories.map { ["category": $0.category, "dataset": $0.dataset ?? "", "entries": String($0.entries)] })
        }
        print(Table(headers: ["category", "dataset", "entries"], rows: categories.map { [$0.category, $0.dataset ?? "-", String($0.entries)] }).rendered)
    }
}
