/// Which experts take part, so the paper's ablations can be reproduced. Every module is
/// on by default.
public struct ExpertModules: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Show the MLLM normal reference images (the Reference Extractor's output).
    public var references: Bool = true
    /// How many reference images, at most.
    public var referenceCount: Int = 1
    /// Give the MLLM the Knowledge Guide's selection.
    public var knowledge: Bool = true
    /// Run the Reasoning Expert before the decision.
    public var reasoning: Bool = true
    /// Give the Decision Maker the vision expert's evidence (score against threshold,
    /// region).
    public var visionEvidence: Bool = true

    public init() {}

    /// How many reference images the MLLM is shown: `referenceCount`, or 0 when references
    /// are off.
    public var referencesShown: Int { references ? referenceCount : 0 }

    /// Every module on, `referenceCount` references.
    public static func all(references count: Int = 1) -> ExpertModules {
        var modules = ExpertModules()
        modules.referenceCount = count
        return modules
    }

    /// The modules named in a comma-separated list (`references,knowledge,reasoning,vision`;
    /// `none` for the bare MLLM).
    /// - Throws: `.input` for an unknown name, listing the known ones.
    public static func parse(_ list: String, references count: Int = 1) throws(ExpertError) -> ExpertModules {
        var modules = ExpertModules()
        modules.referenceCount = count
        modules.references = false
        modules.knowledge = false
        modules.reasoning = false
        modules.visionEvidence = false
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            switch name {
            case "references", "reference", "refs": modules.references = true
            case "knowledge": modules.knowledge = true
            case "reasoning": modules.reasoning = true
            case "vision", "vision-evidence": modules.visionEvidence = true
            case "all": modules = .all(references: count)
            case "none": break
            default: throw .input("unknown module \"\(name)\"; choose from references, knowledge, reasoning, vision (or all, none)")
            }
        }
        return modules
    }

    public var description: String {
        let names = [references ? "references×\(referenceCount)" : nil, knowledge ? "knowledge" : nil, reasoning ? "reasoning" : nil,
                     visionEvidence ? "vision" : nil].compactMap { $0 }
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }
}
