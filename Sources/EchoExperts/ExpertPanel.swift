import EchoMLLM
import EchoStore
import EchoVision
import Logging

/// What the experts are given about one image.
public struct ExpertRequest: Sendable {
    public let category: String
    public let query: ImageAttachment
    /// Normal references, most similar first (the panel takes as many as its modules say).
    public let references: [ImageAttachment]
    /// The vision expert's result, when one was computed.
    public let vision: InspectionResult?

    public init(category: String, query: ImageAttachment, references: [ImageAttachment], vision: InspectionResult?) {
        self.category = category
        self.query = query
        self.references = references
        self.vision = vision
    }
}

/// The panel's answer to one multiple-choice question.
public struct ExpertAnswer: Sendable, Codable, Equatable {
    /// The chosen letter; nil when the answer was unparseable or the MLLM failed.
    public let letter: String?
    /// How the letter was found.
    public let match: AnswerMatch?
    /// The Decision Maker's raw text (empty when it failed).
    public let raw: String
    public let reasoning: ReasoningTrace?
    /// Keys of the knowledge entries given.
    public let knowledge: [String]
    /// Why there is no letter: "unparseable answer" or the MLLM error.
    public let problem: String?
}

extension ExpertVerdict {
    /// The verdict as the review recorded with an inspection run.
    public var review: Review {
        Review(verdict: verdict, decidedBy: source.rawValue, defect: defect, region: region, explanation: explanation,
               reasoning: reasoning?.promptText)
    }
}

/// The final verdict on an inspected image, and who gave it.
public struct ExpertVerdict: Sendable, Codable {
    /// Who decided.
    public enum Source: String, Sendable, Codable {
        /// The MLLM experts.
        case experts
        /// The vision expert, because no MLLM is configured.
        case visionNoMLLM = "vision expert (no MLLM configured)"
        /// The vision expert, because the MLLM failed or answered unparseably.
        case visionFallback = "vision expert (MLLM failed)"
    }

    public let verdict: Verdict
    public let source: Source
    public let defect: String?
    public let region: String
    public let explanation: String
    public let reasoning: ReasoningTrace?
    public let knowledge: [String]
    /// The MLLM's raw answer, and why it was not used when it was not.
    public let raw: String?
    public let problem: String?
    /// The vision expert's full result.
    public let vision: InspectionResult
}

/// The Echo experts around one MLLM: Knowledge Guide, Reasoning Expert and Decision
/// Maker, fed by the Reference Extractor (the request's references) and the vision expert
/// (its evidence), each switchable by `ExpertModules`.
public struct ExpertPanel: Sendable {
    public let model: (any ChatModel)?
    public let knowledge: KnowledgeGuide?
    public let modules: ExpertModules
    let logger: Logger

    /// A panel. Without a model, inspections fall back to the vision expert (flagged) and
    /// questions are unanswered. Without a knowledge guide, knowledge is off.
    public init(model: (any ChatModel)?, knowledge: KnowledgeGuide?, modules: ExpertModules, logger: Logger) {
        self.model = model
        self.knowledge = knowledge
        self.modules = modules
        self.logger = logger
    }

    /// Answers a multiple-choice question about the request's image. Never throws: MLLM
    /// failures and unparseable answers come back as an answer without a letter and
    /// with the problem.
    public func answer(_ question: MultipleChoiceQuestion, for request: ExpertRequest) async -> ExpertAnswer {
        guard let model else {
            return ExpertAnswer(letter: nil, match: nil, raw: "", reasoning: nil, knowledge: [], problem: "no MLLM configured")
        }
        let (context, selection) = prepare(request, question: question)
        var trace: ReasoningTrace?
        do {
            if modules.reasoning {
                trace = try await ReasoningExpert(model: model).reason(context: context, question: question, hasReferences: hasReferences(request))
            }
            let (parsed, raw) = try await DecisionMaker(model: model).answer(question, context: context, evidence: evidence(request), trace: trace)
            switch parsed {
            case .letter(let letter, let how):
                return ExpertAnswer(letter: letter, match: how, raw: raw, reasoning: trace, knowledge: selection, problem: nil)
            case .unparseable:
                return ExpertAnswer(letter: nil, match: nil, raw: raw, reasoning: trace, knowledge: selection,
                                    problem: raw.isEmpty ? "empty answer" : "unparseable answer")
            }
        } catch {
            logger.warning("MLLM failed", metadata: ["category": "\(request.category)", "error": "\(error)"])
            return ExpertAnswer(letter: nil, match: nil, raw: "", reasoning: trace, knowledge: selection, problem: error.description)
        }
    }

    /// The verdict on the request's image (which must carry the vision expert's result).
    /// With an MLLM the experts decide; without one, or when it fails or answers
    /// unparseably, the vision expert's verdict stands and says so.
    public func inspect(_ request: ExpertRequest, vision: InspectionResult) async -> ExpertVerdict {
        func fallback(_ source: ExpertVerdict.Source, problem: String?, raw: String?, trace: ReasoningTrace?, knowledge: [String]) -> ExpertVerdict {
            ExpertVerdict(verdict: vision.verdict, source: source, defect: nil, region: vision.region,
                          explanation: vision.explanation + (problem.map { " (MLLM not used: \($0))" } ?? ""), reasoning: trace,
                          knowledge: knowledge, raw: raw, problem: problem, vision: vision)
        }
        guard let model else { return fallback(.visionNoMLLM, problem: nil, raw: nil, trace: nil, knowledge: []) }
        let (context, selection) = prepare(request, question: nil)
        var trace: ReasoningTrace?
        do {
            if modules.reasoning {
                trace = try await ReasoningExpert(model: model).reason(context: context, question: nil, hasReferences: hasReferences(request))
            }
            let (verdict, raw) = try await DecisionMaker(model: model).inspect(context: context, evidence: evidence(request), trace: trace)
            guard let verdict else {
                return fallback(.visionFallback, problem: raw.isEmpty ? "empty answer" : "unparseable answer", raw: raw, trace: trace, knowledge: selection)
            }
            return ExpertVerdict(verdict: verdict.anomalous ? .anomalous : .normal, source: .experts, defect: verdict.defect,
                                 region: verdict.region ?? vision.region, explanation: verdict.explanation, reasoning: trace,
                                 knowledge: selection, raw: raw, problem: nil, vision: vision)
        } catch {
            logger.warning("MLLM failed; the vision expert's verdict stands", metadata: ["category": "\(request.category)", "error": "\(error)"])
            return fallback(.visionFallback, problem: error.description, raw: nil, trace: trace, knowledge: selection)
        }
    }

    /// The shared context and the keys of the knowledge in it.
    private func prepare(_ request: ExpertRequest, question: MultipleChoiceQuestion?) -> ([ContentPart], [String]) {
        var selection: KnowledgeSelection?
        if modules.knowledge, let knowledge {
            do {
                selection = try knowledge.select(category: request.category, question: question)
            } catch {
                logger.warning("knowledge unavailable", metadata: ["category": "\(request.category)", "error": "\(error)"])
            }
        }
        let references = Array(request.references.prefix(modules.referencesShown))
        let context = Prompts.context(category: request.category, query: request.query, references: references, knowledge: selection)
        return (context, selection?.entries.map(\.key) ?? [])
    }

    private func hasReferences(_ request: ExpertRequest) -> Bool { modules.referencesShown > 0 && !request.references.isEmpty }

    private func evidence(_ request: ExpertRequest) -> String? {
        guard modules.visionEvidence, let vision = request.vision else { return nil }
        return Prompts.evidence(vision)
    }
}
