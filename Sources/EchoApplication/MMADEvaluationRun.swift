import EchoEmbedding
import EchoExperts
import EchoMLLM
import EchoStore
import EchoVision
import Logging

/// An MMAD evaluation: what to answer and how, for `runMMADEvaluation`.
public struct MMADEvaluationRequest: Sendable {
    /// The questions file (mmad.json).
    public var questionsPath: String
    /// MMAD's domain knowledge file (its --domain_knowledge), when given.
    public var domainKnowledgePath: String?
    /// The evaluation's settings (root, output, protocol, templates, subset, ...).
    public var options: MMADEvaluation.Options
    /// Which experts take part.
    public var modules: ExpertModules
    /// First ingest every selected class's normal templates into the store.
    public var ingestTemplates = false

    public init(questionsPath: String, options: MMADEvaluation.Options, modules: ExpertModules) {
        self.questionsPath = questionsPath
        self.options = options
        self.modules = modules
    }

    /// Whether the run needs the vision expert (and so a store and the backbone).
    public var needsVision: Bool { options.referenceMode == .retrieved || modules.visionEvidence || ingestTemplates }
    /// Whether the run needs a store at all (the vision expert, or the Knowledge Guide).
    public var needsStore: Bool { needsVision || modules.knowledge }
}

/// What an MMAD evaluation did.
public struct MMADEvaluationOutcome: Sendable {
    public let summary: MMADRunSummary
    /// New template images ingested, by class (empty without `ingestTemplates`).
    public let ingestedTemplates: [String: Int]
}

/// The MMAD evaluation use case. It needs no store unless a module or retrieved templates
/// use one, so the adapter hands over how to open the store and load the backbone, and
/// the use case decides whether to.
public enum MMADEvaluationRun {
    /// Reads the questions, opens the store and the backbone when needed (read-write only
    /// to ingest templates), ingests templates when asked, and answers every selected
    /// question not yet answered in the output.
    /// - Throws: `bad_request` for unreadable question or knowledge files; the store's and
    ///   the backbone's errors; `mllm_failed` when the MLLM cannot answer at all.
    public static func run(_ request: MMADEvaluationRequest, model: any ChatModel,
                           openStore: (ReferenceStore.Mode) throws -> ReferenceStore, loadEmbedder: () throws -> ImageEmbedder,
                           logger: Logger, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws(EchoError) -> MMADEvaluationOutcome {
        var options = request.options
        let questions = try classified { try MMADQuestions(path: request.questionsPath) }
        if let path = request.domainKnowledgePath {
            options.domainKnowledge = try classified { try MMADDomainKnowledge(path: path) }
        }
        let store = request.needsStore ? try classified { try openStore(request.ingestTemplates ? .readWrite : .readOnly) } : nil
        var vision: VisionExpert?
        var ingested: [String: Int] = [:]
        if request.needsVision, let store {
            let embedder = try classified { try loadEmbedder() }
            if request.ingestTemplates {
                ingested = try classified {
                    let selected = Array(try options.subset.select(questions.records).prefix(options.limit ?? .max))
                    return try MMADEvaluation.ingestTemplates(selected, root: options.root, store: store, embedder: embedder, logger: logger)
                }
            }
            vision = VisionExpert(store: store, embedder: embedder)
        }
        let panel = ExpertPanel(model: model, knowledge: request.modules.knowledge ? store.map { KnowledgeGuide(store: $0) } : nil,
                                modules: request.modules, logger: logger)
        let runOptions = options
        let summary = try await classified {
            try await MMADEvaluation(panel: panel, vision: vision, logger: logger).run(questions, options: runOptions, progress: progress)
        }
        return MMADEvaluationOutcome(summary: summary, ingestedTemplates: ingested)
    }
}
