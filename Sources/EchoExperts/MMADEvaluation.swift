import EchoEmbedding
import EchoImaging
import EchoMLLM
import EchoReferences
import EchoStore
import EchoVision
import Foundation
import Logging

/// Where the normal templates shown with each MMAD question come from.
public enum MMADReferenceMode: String, Sendable, Codable, CaseIterable {
    /// The record's `random_templates`: the templates of every published MMAD result.
    case random
    /// The record's `similar_templates` (MMAD's `--similar_template`).
    case similar
    /// Echo's own top-k from a store built from the templates (category = class name).
    case retrieved
    /// No templates.
    case none
}

/// Who writes the prompts.
public enum MMADProtocol: String, Sendable, Codable, CaseIterable {
    /// MMAD's own baseline (`MMADPrompt`, `MMADLetterExtraction`); Echo's experts add to
    /// it only as switched on.
    case mmad
    /// Echo's expert panel with its own prompts (product name, system message, strict
    /// answer parser).
    case echo
}

/// What a finished (or resumed) evaluation produced.
public struct MMADRunSummary: Sendable {
    public let answers: Int
    /// Answers found from an earlier, interrupted run and not asked again.
    public let resumed: Int
    /// MMAD's table of the answers, as its scorer computes it.
    public let table: MMADSummaryTable
    /// Echo's strict table of the same answers.
    public let scores: MMADScores
    public let outputPath: String
}

/// Runs MMAD's questions: for each query image, its templates (by mode), optionally the
/// Echo experts' additions, and one call per question; answers written in MMAD's answers
/// format, resumable, with bounded concurrency over images.
public struct MMADEvaluation: Sendable {
    public struct Options: Sendable {
        /// The MMAD data root the question paths are relative to.
        public var root: String
        public var outputPath: String
        public var protocolKind: MMADProtocol = .mmad
        public var referenceMode: MMADReferenceMode = .random
        public var subset: MMADSubset = .all
        /// Only the first images of the subset (all their questions).
        public var limit: Int?
        /// Images in flight at once.
        public var concurrency: Int = 4
        /// MMAD's `--domain_knowledge` (mmad protocol).
        public var domainKnowledge: MMADDomainKnowledge?
        /// MMAD's `--CoT`: one chain-of-thought turn per image before its questions.
        public var chainOfThought = false
        /// MMAD's `--record_history`: an image's earlier questions and answers stay in the
        /// conversation.
        public var recordHistory = false
        /// MMAD's `--defect_shot k`: k other defective images of the same group shown.
        public var defectShots = 0
        /// Seeds the choice of defect shots.
        public var seed: UInt32 = 1

        public init(root: String, outputPath: String) {
            self.root = root
            self.outputPath = outputPath
        }
    }

    public let panel: ExpertPanel
    /// For `retrieved` templates and vision evidence; nil without a store.
    public let vision: VisionExpert?
    let logger: Logger

    public init(panel: ExpertPanel, vision: VisionExpert?, logger: Logger) {
        self.panel = panel
        self.vision = vision
        self.logger = logger
    }

    /// Answers every selected question not yet answered in the output, then writes the
    /// output and returns both tables of all its answers.
    /// - Throws: `.input` for an unusable output path, a subset that does not fit the
    ///   file, missing domain knowledge, or a `retrieved` run without a store. Per-image
    ///   problems (an unreadable image, a failed call) become answers without a letter,
    ///   not errors.
    public func run(_ questions: MMADQuestions, options: Options, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws(ExpertError) -> MMADRunSummary {
        guard options.referenceMode != .retrieved || vision != nil else {
            throw .input("--references retrieved needs a store with the classes' normal images (pass --store; see --ingest-templates)")
        }
        guard panel.model != nil else { throw .input("an MMAD evaluation needs an MLLM: pass --mllm-url and --mllm-model") }
        let records = Array(try options.subset.select(questions.records).prefix(options.limit ?? .max))
        if let knowledge = options.domainKnowledge, let missing = records.first(where: { knowledge.text(forImage: $0.path) == nil }) {
            throw .input("the domain knowledge has no entry for the class of \(missing.path)")
        }
        let journal = try AnswerJournal(outputPath: options.outputPath)
        let resumed = journal.all.count
        let answered = journal.answeredKeys
        let pending = records.filter { path, record in record.conversation.indices.contains { !answered.contains(AnswerJournal.key(path, $0)) } }
        let total = records.count, done = ProgressCounter(records.count - pending.count)
        progress(done.value, total)
        let groups = options.defectShots > 0 ? Self.defectGroups(records) : [:]
        let concurrency = max(1, options.concurrency)
        var failure: ExpertError?
        await withTaskGroup(of: ExpertError?.self) { group in
            var next = 0
            func launch() {
                guard next < pending.count else { return }
                let (path, record) = pending[next]
                next += 1
                group.addTask {
                    do throws(ExpertError) {
                        let skip = Set(record.conversation.indices.filter { answered.contains(AnswerJournal.key(path, $0)) })
                        try await answer(path: path, record: record, options: options, skipping: skip, groups: groups, journal: journal)
                        progress(done.increment(), total)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            for _ in 0..<concurrency { launch() }
            for await result in group {
                if let result, failure == nil {
                    failure = result
                    group.cancelAll()
                }
                if failure == nil { launch() }
            }
        }
        if let failure { throw failure }
        let order = records.flatMap { path, record in record.conversation.indices.map { AnswerJournal.key(path, $0) } }
        let all = try journal.finish(order: order)
        let read = all.map(\.record)
        return MMADRunSummary(answers: all.count, resumed: resumed, table: MMADSummaryTable(read), scores: MMADScores(read), outputPath: options.outputPath)
    }

    /// Every unanswered question of one image.
    private func answer(path: String, record: MMADRecord, options: Options, skipping answered: Set<Int>, groups: [String: [String]],
                        journal: AnswerJournal) async throws(ExpertError) {
        let className = MMADQuestions.datasetAndClass(of: path).className
        let evidence = needsEvidence(options) ? inspect(path, className: className, options: options) : nil
        let protocolName = options.protocolKind.rawValue
        func write(_ index: Int, _ question: MMADRecord.Question, answer: String, problem: String?, match: String?) throws(ExpertError) {
            let text = MMADPrompt.questionText(question, number: index + 1)
            let lettered = Dictionary(question.options.map { ($0.letter, $0.text) }, uniquingKeysWith: { first, _ in first })
            try journal.append(MMADAnswer(image: path, question: .init(text: text, options: lettered), questionType: question.type, correctAnswer: question.answer,
                                          answer: answer, index: index, problem: problem, match: match, protocol: protocolName))
        }
        let pending = record.conversation.enumerated().filter { !answered.contains($0.offset) }
        switch options.protocolKind {
        case .echo:
            let request = Result { () throws(ExpertError) in try echoRequest(path: path, record: record, className: className, evidence: evidence, options: options) }
            for (index, question) in pending {
                let reply: ExpertAnswer
                switch request {
                case .success(let request): reply = await panel.answer(question.multipleChoice, for: request)
                case .failure(let problem): reply = ExpertAnswer(letter: nil, match: nil, raw: "", reasoning: nil, knowledge: [], problem: problem.description)
                }
                try write(index, question, answer: reply.letter ?? "", problem: reply.problem, match: reply.match?.rawValue)
            }
        case .mmad:
            let context: MMADPrompt.Context
            do {
                context = try mmadContext(path: path, record: record, evidence: evidence, groups: groups, options: options)
            } catch {
                for (index, question) in pending { try write(index, question, answer: "", problem: error.description, match: nil) }
                return
            }
            let model = panel.model!
            var history: [ChatMessage] = []
            if options.chainOfThought {
                let messages = MMADPrompt.chainOfThoughtMessages(context)
                do {
                    let thoughts = try await model.complete(messages, maxTokens: MMADPrompt.chainOfThoughtTokens)
                    history = messages + [ChatMessage(role: .assistant, text: thoughts.text)]
                } catch {
                    for (index, question) in pending { try write(index, question, answer: "", problem: error.description, match: nil) }
                    return
                }
            }
            for (index, question) in pending {
                var asked = context
                do {
                    try await addEchoExperts(to: &asked, question: question, className: className)
                    let messages = MMADPrompt.messages(asked, questionText: MMADPrompt.questionText(question, number: index + 1), history: history)
                    let reply = try await model.complete(messages, maxTokens: MMADPrompt.answerTokens)
                    if options.recordHistory { history = messages + [ChatMessage(role: .assistant, text: reply.text)] }
                    if let found = MMADLetterExtraction.letter(in: reply.text, options: question.options) {
                        try write(index, question, answer: found.letter, problem: nil, match: found.closestText ? "closest-option" : "standalone")
                    } else {
                        try write(index, question, answer: reply.text, problem: reply.text.isEmpty ? "empty answer" : "unparseable answer", match: nil)
                    }
                } catch let error as ExpertError {
                    throw error
                } catch {
                    logger.warning("MLLM failed", metadata: ["image": "\(path)", "error": "\(error)"])
                    try write(index, question, answer: "", problem: "\(error)", match: nil)
                }
            }
        }
    }

    /// The Knowledge Guide's selection and the Reasoning Expert's trace, when switched on.
    private func addEchoExperts(to context: inout MMADPrompt.Context, question: MMADRecord.Question, className: String) async throws(MLLMError) {
        if panel.modules.knowledge, let knowledge = panel.knowledge {
            do {
                context.echoKnowledge = try knowledge.select(category: className, question: question.multipleChoice).promptText
            } catch {
                logger.warning("knowledge unavailable", metadata: ["class": "\(className)", "error": "\(error)"])
            }
        }
        if panel.modules.reasoning, let model = panel.model {
            let trace = try await ReasoningExpert(model: model).reason(context: MMADPrompt.preamble(context), question: question.multipleChoice,
                                                                      hasReferences: !context.templates.isEmpty)
            context.echoReasoning = trace.promptText
        }
    }

    private func needsEvidence(_ options: Options) -> Bool { vision != nil && (panel.modules.visionEvidence || options.referenceMode == .retrieved) }

    /// The template paths of a record by mode, as many as the modules show.
    private func templatePaths(_ record: MMADRecord, evidence: InspectionResult?, options: Options) -> [String] {
        let root = options.root as NSString
        let paths: [String]
        switch options.referenceMode {
        case .similar: paths = record.similarTemplates.map { root.appendingPathComponent($0) }
        case .random: paths = record.randomTemplates.map { root.appendingPathComponent($0) }
        case .retrieved: paths = evidence?.references.map(\.path) ?? []
        case .none: paths = []
        }
        return Array(paths.prefix(panel.modules.referencesShown))
    }

    /// MMAD's prompt parts for one image.
    private func mmadContext(path: String, record: MMADRecord, evidence: InspectionResult?, groups: [String: [String]], options: Options) throws(ExpertError) -> MMADPrompt.Context {
        let root = options.root as NSString
        var context = MMADPrompt.Context(query: try ImageAttachment.load(path: root.appendingPathComponent(path), label: "query", largest: nil))
        context.templates = try templatePaths(record, evidence: evidence, options: options).map { template throws(ExpertError) in
            try ImageAttachment.load(path: template, label: "template", largest: nil)
        }
        if options.defectShots > 0 {
            let others = (groups[Self.defectGroup(path)] ?? []).filter { $0 != path }
            var random = PythonRandom(seed: UInt64(options.seed) << 32 | UInt64(Self.stableHash(path)))
            context.defectShots = try random.sample(others, count: min(options.defectShots, others.count)).map { shot throws(ExpertError) in
                try ImageAttachment.load(path: root.appendingPathComponent(shot), label: "defect", largest: nil)
            }
        }
        context.domainKnowledge = options.domainKnowledge?.text(forImage: path)
        if panel.modules.visionEvidence, let evidence { context.echoEvidence = Prompts.evidence(evidence) }
        return context
    }

    /// Echo's own request for one image.
    private func echoRequest(path: String, record: MMADRecord, className: String, evidence: InspectionResult?, options: Options) throws(ExpertError) -> ExpertRequest {
        let query = try ImageAttachment.load(path: (options.root as NSString).appendingPathComponent(path), label: "The image to inspect")
        let references = try ImageAttachment.references(templatePaths(record, evidence: evidence, options: options))
        return ExpertRequest(category: className, query: query, references: references, vision: panel.modules.visionEvidence ? evidence : nil)
    }

    private func inspect(_ path: String, className: String, options: Options) -> InspectionResult? {
        guard let vision else { return nil }
        let file = (options.root as NSString).appendingPathComponent(path)
        do {
            let image = try ImageDecoder().decodeFile(atPath: file)
            return try vision.inspect(image, category: className)
        } catch {
            logger.debug("no vision evidence", metadata: ["image": "\(file)", "error": "\(error)"])
            return nil
        }
    }

    /// MMAD's defect-shot group of a path: (dataset with DS-MVTec as MVTec, class, third
    /// component). MMAD's script looks up the group of the *last* key of its loop for
    /// every image (a bug); Echo uses the image's own group, and only defective images.
    static func defectGroup(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let dataset = (parts.first ?? "").replacingOccurrences(of: "DS-MVTec", with: "MVTec")
        return ([dataset] + parts.dropFirst().prefix(2)).joined(separator: "/")
    }

    static func defectGroups(_ records: [(path: String, record: MMADRecord)]) -> [String: [String]] {
        var groups: [String: [String]] = [:]
        for (path, _) in records where !MMADQuestions.isNormal(path) { groups[defectGroup(path), default: []].append(path) }
        return groups
    }

    /// FNV-1a of the path's bytes: the same on every machine and run.
    static func stableHash(_ text: String) -> UInt32 {
        text.utf8.reduce(2_166_136_261 as UInt32) { ($0 ^ UInt32($1)) &* 16_777_619 }
    }

    /// Ingests the normal templates the questions name (similar and random) into the
    /// store, one category per class, so `retrieved` templates and vision evidence have
    /// golden samples. Idempotent (content hashes). Returns images added per class.
    /// - Throws: `.references` when the store cannot be written.
    public static func ingestTemplates(_ records: [(path: String, record: MMADRecord)], root: String, store: ReferenceStore, embedder: ImageEmbedder,
                                       logger: Logger) throws(ExpertError) -> [String: Int] {
        var byClass: [String: Set<String>] = [:]
        for (path, record) in records {
            let className = MMADQuestions.datasetAndClass(of: path).className
            for template in record.similarTemplates + record.randomTemplates {
                byClass[className, default: []].insert((root as NSString).appendingPathComponent(template))
            }
        }
        var added: [String: Int] = [:]
        let ingestor = Ingestor(store: store, embedder: embedder, logger: logger)
        for className in byClass.keys.sorted() {
            do {
                let report = try ingestor.ingest(byClass[className]!.sorted(), options: .init(category: className))
                added[className] = report.added
            } catch {
                throw .references(error)
            }
        }
        return added
    }
}

extension MMADAnswer {
    /// This answer as the scorers read answers.
    var record: MMADAnswerRecord {
        MMADAnswerRecord(image: image, questionType: question_type, correctAnswer: correct_answer, gptAnswer: gpt_answer, questionText: question.text)
    }
}
