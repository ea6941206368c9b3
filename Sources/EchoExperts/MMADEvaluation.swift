import EchoEmbedding
import EchoImaging
import EchoReferences
import EchoStore
import EchoVision
import Foundation
import Logging

/// Where the normal references shown with each MMAD question come from.
public enum MMADReferenceMode: String, Sendable, Codable, CaseIterable {
    /// The record's `similar_templates` (MMAD's 1-shot setting).
    case similar
    /// The record's `random_templates`.
    case random
    /// Echo's own top-k from a store built from the templates (category = class name).
    case retrieved
    /// No references.
    case none
}

/// What a finished (or resumed) evaluation produced.
public struct MMADRunSummary: Sendable, Codable {
    public let answers: Int
    /// Answers found from an earlier, interrupted run and not asked again.
    public let resumed: Int
    public let scores: MMADScores
    public let outputPath: String
}

/// Runs MMAD's questions through the expert panel: for each query image, its references
/// (by mode), the vision expert's evidence (when a store has the class), and one answer
/// per question; answers written as MMAD's scorer reads them, resumable, with bounded
/// concurrency over images.
public struct MMADEvaluation: Sendable {
    public struct Options: Sendable {
        /// The MMAD data root the question paths are relative to.
        public var root: String
        public var outputPath: String
        public var referenceMode: MMADReferenceMode = .similar
        /// Only the first images (all their questions), in path order.
        public var limit: Int?
        /// Images in flight at once.
        public var concurrency: Int = 4

        public init(root: String, outputPath: String) {
            self.root = root
            self.outputPath = outputPath
        }
    }

    public let panel: ExpertPanel
    /// For `retrieved` references and vision evidence; nil without a store.
    public let vision: VisionExpert?
    let logger: Logger

    public init(panel: ExpertPanel, vision: VisionExpert?, logger: Logger) {
        self.panel = panel
        self.vision = vision
        self.logger = logger
    }

    /// Answers every question not yet answered in the output, then writes the output
    /// and returns the scores of all answers.
    /// - Throws: `.input` for an unusable output path or a `retrieved` run without a
    ///   store. Per-image problems (an unreadable image, a failed call) become answers
    ///   without a letter, not errors.
    public func run(_ questions: MMADQuestions, options: Options, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws(ExpertError) -> MMADRunSummary {
        guard options.referenceMode != .retrieved || vision != nil else {
            throw .input("--references retrieved needs a store with the classes' normal images (pass --store; see --ingest-templates)")
        }
        let records = Array(questions.records.prefix(options.limit ?? .max))
        let journal = try AnswerJournal(outputPath: options.outputPath)
        let resumed = journal.all.count
        let answered = journal.answeredKeys
        let pending = records.filter { path, record in record.conversation.contains { !answered.contains(AnswerJournal.key(path, $0.text)) } }
        let total = records.count, done = Counter(records.count - pending.count)
        progress(done.value, total)
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
                        try await answer(path: path, record: record, options: options, skipping: answered, journal: journal)
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
        let order = records.flatMap { path, record in record.conversation.map { AnswerJournal.key(path, $0.text) } }
        let all = try journal.finish(order: order)
        return MMADRunSummary(answers: all.count, resumed: resumed, scores: MMADScores(all), outputPath: options.outputPath)
    }

    /// Every unanswered question of one image.
    private func answer(path: String, record: MMADRecord, options: Options, skipping answered: Set<String>, journal: AnswerJournal) async throws(ExpertError) {
        let className = MMADQuestions.datasetAndClass(of: path).className
        let prepared = prepare(path: path, record: record, className: className, options: options)
        for question in record.conversation where !answered.contains(AnswerJournal.key(path, question.text)) {
            let reply: ExpertAnswer
            switch prepared {
            case .success(let request):
                reply = await panel.answer(question.multipleChoice, for: request)
            case .failure(let problem):
                reply = ExpertAnswer(letter: nil, match: nil, raw: "", reasoning: nil, knowledge: [], problem: problem.description)
            }
            try journal.append(MMADAnswer(image: path, question: question.text, questionType: question.type, correctAnswer: question.answer,
                                          answer: reply.letter ?? "", problem: reply.problem, match: reply.match?.rawValue))
        }
    }

    /// The query, its references and the vision evidence.
    private func prepare(path: String, record: MMADRecord, className: String, options: Options) -> Result<ExpertRequest, ExpertError> {
        Result { () throws(ExpertError) -> ExpertRequest in
            let queryPath = (options.root as NSString).appendingPathComponent(path)
            let query = try ImageAttachment.load(path: queryPath, label: "The image to inspect")
            var evidence: InspectionResult?
            if let vision, panel.modules.visionEvidence || options.referenceMode == .retrieved {
                evidence = inspect(queryPath, className: className, vision: vision)
            }
            let referencePaths: [String]
            switch options.referenceMode {
            case .similar: referencePaths = record.similarTemplates.map { (options.root as NSString).appendingPathComponent($0) }
            case .random: referencePaths = record.randomTemplates.map { (options.root as NSString).appendingPathComponent($0) }
            case .retrieved: referencePaths = evidence?.references.map(\.path) ?? []
            case .none: referencePaths = []
            }
            let references = try ImageAttachment.references(referencePaths.prefix(panel.modules.referencesShown))
            return ExpertRequest(category: className, query: query, references: references, vision: panel.modules.visionEvidence ? evidence : nil)
        }
    }

    private func inspect(_ path: String, className: String, vision: VisionExpert) -> InspectionResult? {
        do {
            let image = try ImageDecoder().decodeFile(atPath: path)
            return try vision.inspect(image, category: className)
        } catch {
            logger.debug("no vision evidence", metadata: ["image": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    /// Ingests the normal templates the questions name (similar and random) into the
    /// store, one category per class, so `retrieved` references and vision evidence have
    /// golden samples. Idempotent (content hashes). Returns images added per class.
    /// - Throws: `.references` when the store cannot be written.
    public static func ingestTemplates(_ questions: MMADQuestions, root: String, limit: Int?, store: ReferenceStore, embedder: ImageEmbedder,
                                       logger: Logger) throws(ExpertError) -> [String: Int] {
        var byClass: [String: Set<String>] = [:]
        for (path, record) in questions.records.prefix(limit ?? .max) {
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

/// A thread-safe counter for progress.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int

    init(_ start: Int = 0) { count = start }
    var value: Int { lock.withLock { count } }
    func increment() -> Int { lock.withLock { count += 1; return count } }
}
