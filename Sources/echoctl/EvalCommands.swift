import ArgumentParser
import EchoApplication
import EchoExperts
import EchoStore
import EchoVision
import Foundation

/// `echoctl eval …`: benchmarks of the whole pipeline.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate the experts on a benchmark.", subcommands: [EvalMMAD.self, EvalMMADScore.self, EvalDataset.self])
}

/// `echoctl eval mmad`: MMAD's multiple-choice questions, by MMAD's own protocol with
/// Echo's experts switched on one by one, or by Echo's expert panel.
struct EvalMMAD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmad",
        abstract: "Answer MMAD's questions and print MMAD's accuracy table (and Echo's strict one).",
        discussion: """
            The default is MMAD's own baseline protocol: its prompt text and order, one question per call, no system message, \
            no product name, 128 new tokens, its letter extraction, and random_templates[:1] (its published 1-shot setting). \
            --modules adds Echo's experts to it: references (the templates, on by default; --reference-count N), knowledge \
            (the store's Knowledge Guide), reasoning (the Reasoning Expert), vision (the vision expert's evidence; needs a \
            store with the classes, see --ingest-templates). --protocol echo uses Echo's expert panel prompts instead. \
            Answers are written in MMAD's answers format (question as its dict) plus echo_* fields; a run that stops resumes \
            from <out>.partial.jsonl, and questions whose MLLM call failed are asked again. No store is needed unless a module \
            or --references retrieved uses one.
            """)

    @Option(help: "The MMAD data root (the folder holding DS-MVTec, MVTec-AD, ...).") var root: String
    @Option(help: "The questions file (mmad.json).") var questions: String
    @Option(help: "Where to write the answers (JSON).") var out: String
    @Option(name: .customLong("protocol"), help: "mmad (MMAD's baseline prompts, the default) or echo (Echo's expert panel).")
    var protocolKind: MMADProtocol = .mmad
    @Option(help: "Templates: random (MMAD's published setting), similar, retrieved (Echo's own top-k), none.")
    var references: MMADReferenceMode = .random
    @Option(help: ArgumentHelp("Experts: references (the templates), knowledge, reasoning, vision, all, or none (0-shot).", valueName: "modules"),
            transform: ModuleList.parse)
    var modules = ModuleList.referencesOnly
    @Option(help: "Templates shown (MMAD's few_shot_model).") var referenceCount: Int = 1
    @Option(help: "MMAD's domain knowledge file (domain_knowledge.json): its --domain_knowledge setting.") var domainKnowledge: String?
    @Flag(name: .customLong("cot"), help: "MMAD's --CoT: one chain-of-thought turn per image before its questions.") var chainOfThought = false
    @Flag(help: "MMAD's --record_history: an image's earlier questions and answers stay in the conversation.") var recordHistory = false
    @Option(help: "MMAD's --defect_shot: also show this many other defective images of the same group.") var defectShot: Int = 0
    @Option(help: "Only the images listed in this file (one mmad.json key per line), in its order.") var keys: String?
    @Flag(help: "MMAD's debug subset: random.seed(1); random.sample(keys, 1600).") var mmadDebugSubset = false
    @Option(help: "A quick run: up to N images per class, drawn with --seed.") var perClass: Int?
    @Option(help: "Seed for --per-class and --defect-shot.") var seed: UInt32 = 1
    @Option(help: "Only the first N images of the selection (all their questions).") var limit: Int?
    @Option(help: "Images answered at once.") var concurrency: Int = 4
    @Flag(help: "First ingest every class's normal templates into the store (for retrieved references and vision evidence).")
    var ingestTemplates = false
    @OptionGroup var mllm: MLLMOptions
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard referenceCount >= 0 else { throw ValidationError("--reference-count cannot be negative") }
        guard defectShot >= 0 else { throw ValidationError("--defect-shot cannot be negative") }
        if let limit { guard limit > 0 else { throw ValidationError("--limit must be at least 1") } }
        if let perClass { guard perClass > 0 else { throw ValidationError("--per-class must be at least 1") } }
        guard [keys != nil, mmadDebugSubset, perClass != nil].filter({ $0 }).count <= 1 else {
            throw ValidationError("choose one of --keys, --mmad-debug-subset and --per-class")
        }
        if protocolKind == .echo {
            guard domainKnowledge == nil, !chainOfThought, !recordHistory, defectShot == 0 else {
                throw ValidationError("--domain-knowledge, --cot, --record-history and --defect-shot are MMAD protocol settings; drop them or use --protocol mmad")
            }
        }
    }

    var parsedModules: ExpertModules { modules.showing(referenceCount) }

    func subset() throws -> MMADSubset {
        if mmadDebugSubset { return .mmadDebug }
        if let perClass { return .stratified(perClass: perClass, seed: seed) }
        guard let keys else { return .all }
        do {
            let text = try String(contentsOfFile: keys, encoding: .utf8)
            return .keys(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        } catch {
            throw EchoError(.badRequest, "cannot read the keys file \(keys): \(error.localizedDescription)", cause: error)
        }
    }

    func run() async throws {
        let logger = runtime.prepare(label: "eval")
        guard let model = try mllm.client(logger: logger) else {
            throw ValidationError("eval mmad needs an MLLM: pass --mllm-url and --mllm-model or set ECHO_MLLM_URL and ECHO_MLLM_MODEL")
        }
        let modules = parsedModules
        var options = MMADEvaluation.Options(root: root, outputPath: out)
        options.protocolKind = protocolKind
        options.referenceMode = references
        options.subset = try subset()
        options.limit = limit
        options.concurrency = concurrency
        options.chainOfThought = chainOfThought
        options.recordHistory = recordHistory
        options.defectShots = defectShot
        options.seed = seed
        var request = MMADEvaluationRequest(questionsPath: questions, options: options, modules: modules)
        request.domainKnowledgePath = domainKnowledge
        request.ingestTemplates = ingestTemplates
        let bar = ProgressBar(label: "mmad")
        let json = output.json
        let outcome = try await MMADEvaluationRun.run(request, model: model, openStore: { try storeOptions.open($0, logger: logger) },
                                                      loadEmbedder: { try embedderOptions.load() }, logger: logger) { done, total in
            if !json { bar.update(done: done, total: total, detail: "images") }
        }
        if ingestTemplates, !json {
            printError("ingested templates: \(outcome.ingestedTemplates.values.reduce(0, +)) new images in \(outcome.ingestedTemplates.count) classes")
        }
        let summary = outcome.summary
        if json { return try printJSON(MMADReport(summary.table, strict: summary.scores, answers: summary.answers, resumed: summary.resumed, path: summary.outputPath)) }
        print("MMAD: \(summary.answers) answers (\(summary.resumed) from an earlier run), protocol \(protocolKind.rawValue), modules \(modules), "
              + "templates \(references.rawValue), model \(model.name)")
        print(MMADTable.render(summary.table, strict: summary.scores))
        print("answers: \(summary.outputPath)")
    }
}

/// `echoctl eval mmad-score FILE`: MMAD's table of any answers file, Echo's or MMAD's own.
struct EvalMMADScore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmad-score",
        abstract: "Score an MMAD answers file (Echo's or MMAD's own) exactly as MMAD's summary.py does.",
        discussion: """
            Prints MMAD's table (its rules and quirks: answers whose letter is not A-E are dropped, and so is the answer after \
            each; a missing question type or Anomaly Detection side counts 0; datasets averaged with equal weight) and, beside \
            it, Echo's strict table (every answer counts, one without a letter is wrong). --csv writes MMAD's _accuracy.csv \
            layout.
            """)

    @Argument(help: "The answers file (a JSON list of answer records).") var file: String
    @Option(help: "Also write the table in MMAD's _accuracy.csv layout here.") var csv: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let answers: [MMADAnswerRecord]
        do {
            answers = try MMADAnswerRecord.read(path: file)
        } catch {
            throw EchoError(classifying: error)
        }
        let table = MMADSummaryTable(answers), strict = MMADScores(answers)
        if let csv {
            do {
                try Data(table.csv().utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
            } catch {
                throw EchoError(.outputFailed, "cannot write \(csv): \(error.localizedDescription)", cause: error)
            }
        }
        if output.json { return try printJSON(MMADReport(table, strict: strict, answers: answers.count, resumed: 0, path: file)) }
        print("\(file): \(answers.count) answers")
        print(MMADTable.render(table, strict: strict))
        if let csv { print("csv: \(csv)") }
    }
}

/// Both tables for `--json`.
struct MMADReport: Encodable {
    struct Row: Encodable {
        let label: String
        let values: [String: Double]
    }

    let answers: Int
    let resumed: Int
    let answersFile: String
    /// MMAD's table, in percent, as summary.py computes it.
    let columns: [String]
    let mmad: [Row]
    let mmadAverage: Double
    let dropped: Int
    let skipped: Int
    /// Echo's strict table, accuracy in [0, 1].
    let strict: [MMADScores.Row]
    let strictAverage: Double?
    let unanswered: Int

    init(_ table: MMADSummaryTable, strict: MMADScores, answers: Int, resumed: Int, path: String) {
        self.answers = answers
        self.resumed = resumed
        answersFile = path
        columns = table.columns
        mmad = table.rows.map { Row(label: $0.label, values: $0.values.filter { !$0.value.isNaN }) }
        mmadAverage = table.headline
        dropped = table.dropped
        skipped = table.skipped
        self.strict = strict.rows
        strictAverage = strict.headline
        unanswered = strict.unanswered
    }
}

extension MMADReferenceMode: ExpressibleByArgument {}
extension MMADProtocol: ExpressibleByArgument {}

/// MMAD's accuracy table and Echo's strict one as text, in percent.
enum MMADTable {
    static let shortNames = ["Anomaly Detection": "AD", "Defect Classification": "DC", "Defect Localization": "DL",
                             "Defect Description": "DD", "Defect Analysis": "DA", "Object Classification": "OC", "Object Analysis": "OA"]

    static func render(_ table: MMADSummaryTable, strict: MMADScores) -> String {
        func percent(_ value: Double?) -> String { value.map { $0.isNaN ? "-" : String(format: "%.1f", $0) } ?? "-" }
        let types = Array(table.columns.prefix { $0 != "Average" })
        let mmad = Table(headers: ["dataset"] + types.map { shortNames[$0] ?? $0 } + ["average", "recall", "precision", "F1", "overkill", "miss"],
                         rows: table.rows.map { row in
                             [row.label] + (types + ["Average", "Recall", "Precision", "F1", "Overkill", "Miss"]).map { percent(row.values[$0]) }
                         }).rendered
        var lines = ["MMAD's table (as its summary.py scores; headline \(percent(table.headline))):", mmad]
        if table.dropped > 0 {
            lines.append("summary.py dropped \(table.dropped) answers whose letter is not A-E, and skipped the \(table.skipped) answers right after them")
        }
        let columns = MMADScores.columns
        let echo = Table(headers: ["dataset", "questions"] + columns.map { shortNames[$0] ?? $0 } + ["average"], rows: strict.rows.map { row in
            [row.dataset, String(row.questions)] + columns.map { percent(row.accuracy[$0].map { $0 * 100 }) } + [percent(row.average.map { $0 * 100 })]
        }).rendered
        lines += ["", "Echo's strict table (every answer counts; no letter A-E is wrong; headline \(percent(strict.headline.map { $0 * 100 }))):", echo]
        if strict.unanswered > 0 { lines.append("\(strict.unanswered) answers without a letter A-E (see echo_problem in the answers file)") }
        return lines.joined(separator: "\n")
    }
}
