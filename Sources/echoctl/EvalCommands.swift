import ArgumentParser
import EchoExperts
import EchoStore
import EchoVision
import Foundation

/// `echoctl eval …`: benchmarks of the whole pipeline.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate the experts on a benchmark.", subcommands: [EvalMMAD.self, EvalDataset.self])
}

/// `echoctl eval mmad`: MMAD's multiple-choice questions through the expert panel.
struct EvalMMAD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmad",
        abstract: "Answer MMAD's questions with the Echo experts and print MMAD's accuracy table.",
        discussion: """
            Answers are written as MMAD's scorer reads them (image, question, question_type, correct_answer, gpt_answer). \
            A run that stops resumes from <out>.partial.jsonl; questions whose MLLM call failed are asked again. \
            Knowledge comes from the store (`echoctl knowledge import domain_knowledge.json`).
            """)

    @Option(help: "The MMAD data root (the folder holding DS-MVTec, MVTec-AD, ...).") var root: String
    @Option(help: "The questions file (mmad.json).") var questions: String
    @Option(help: "Where to write the answers (JSON).") var out: String
    @Option(help: "Reference images: similar (MMAD's 1-shot), random, retrieved (Echo's own top-k), none.")
    var references: MMADReferenceMode = .similar
    @Option(help: "Only the first N images (all their questions).") var limit: Int?
    @Option(help: "Images answered at once.") var concurrency: Int = 4
    @Flag(help: "First ingest every class's normal templates into the store (for retrieved references and vision evidence).")
    var ingestTemplates = false
    @Flag(help: "Use the store for knowledge only: no vision evidence even where the store has the class.") var noVision = false
    @OptionGroup var moduleOptions: ModuleOptions
    @OptionGroup var mllm: MLLMOptions
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        if let limit { guard limit > 0 else { throw ValidationError("--limit must be at least 1") } }
    }

    func run() async throws {
        let logger = runtime.prepare(label: "eval")
        guard let model = try mllm.client(logger: logger) else {
            throw CommandFailure("eval mmad needs an MLLM: pass --mllm-url and --mllm-model or set ECHO_MLLM_URL and ECHO_MLLM_MODEL")
        }
        var modules = try moduleOptions.parsed()
        if noVision { modules.visionEvidence = false }
        let questionFile: MMADQuestions
        do {
            questionFile = try MMADQuestions(path: questions)
        } catch {
            throw CommandFailure(error.description)
        }
        let needsVision = references == .retrieved || modules.visionEvidence || ingestTemplates
        let store = try storeOptions.open(needsVision && ingestTemplates ? .readWrite : .readOnly, logger: logger)
        var vision: VisionExpert?
        if needsVision {
            let embedder = try embedderOptions.load()
            if ingestTemplates {
                let added: [String: Int]
                do {
                    added = try MMADEvaluation.ingestTemplates(questionFile, root: root, limit: limit, store: store, embedder: embedder, logger: logger)
                } catch {
                    throw CommandFailure(error.description)
                }
                if !output.json { printError("ingested templates: \(added.values.reduce(0, +)) new images in \(added.count) classes") }
            }
            vision = VisionExpert(store: store, embedder: embedder)
        }
        let panel = ExpertPanel(model: model, knowledge: modules.knowledge ? KnowledgeGuide(store: store) : nil, modules: modules, logger: logger)
        var options = MMADEvaluation.Options(root: root, outputPath: out)
        options.referenceMode = references
        options.limit = limit
        options.concurrency = concurrency
        let bar = ProgressBar(label: "mmad")
        let json = output.json
        let summary: MMADRunSummary
        do {
            summary = try await MMADEvaluation(panel: panel, vision: vision, logger: logger).run(questionFile, options: options) { done, total in
                if !json { bar.update(done: done, total: total, detail: "images") }
            }
        } catch {
            throw CommandFailure(error.description)
        }
        if json { return try printJSON(summary) }
        print("MMAD: \(summary.answers) answers (\(summary.resumed) from an earlier run), modules \(modules), references \(references.rawValue), model \(model.name)")
        print(MMADTable.render(summary.scores))
        if summary.scores.unanswered > 0 {
            print("\(summary.scores.unanswered) questions without a letter (unparseable answers or failed calls; counted wrong; see echo_problem in \(summary.outputPath))")
        }
        print("answers: \(summary.outputPath)")
    }
}

extension MMADReferenceMode: ExpressibleByArgument {}

/// MMAD's accuracy table as text, in percent.
enum MMADTable {
    static let shortNames = ["Anomaly Detection": "AD", "Defect Classification": "DC", "Defect Localization": "DL",
                             "Defect Description": "DD", "Defect Analysis": "DA", "Object Classification": "OC", "Object Analysis": "OA"]

    static func render(_ scores: MMADScores) -> String {
        let columns = MMADScores.columns
        func percent(_ value: Double?) -> String { value.map { String(format: "%.1f", $0 * 100) } ?? "-" }
        return Table(headers: ["dataset", "questions"] + columns.map { shortNames[$0] ?? $0 } + ["average"], rows: scores.rows.map { row in
            [row.dataset, String(row.questions)] + columns.map { percent(row.accuracy[$0]) } + [percent(row.average)]
        }).rendered
    }
}
