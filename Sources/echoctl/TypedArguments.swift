import ArgumentParser
import EchoExperts
import EchoVision

// Option types ArgumentParser parses once, so a bad value is a usage error naming the
// option, and `run()` receives the parsed value.

extension VisionExpert.ImageScore: ExpressibleByArgument {
    public init?(argument: String) { self.init(id: argument) }
    public static var defaultValueDescription: String { "max" }
}

extension DatasetLayout: ExpressibleByArgument {}

/// A `--modules` list (`all`, `none`, or names from references, knowledge, reasoning,
/// vision), checked when parsed (`transform: ModuleList.parse`, so an unknown name is a
/// usage error that lists the known ones); the reference count is its own option.
struct ModuleList {
    let modules: ExpertModules

    /// Every module.
    static let all = ModuleList(modules: .all())

    /// The templates alone (MMAD's own setting).
    static let referencesOnly: ModuleList = {
        var modules = ExpertModules()
        modules.knowledge = false
        modules.reasoning = false
        modules.visionEvidence = false
        return ModuleList(modules: modules)
    }()

    /// The list named by `text`.
    /// - Throws: `ValidationError` for an unknown module, naming the known ones.
    static func parse(_ text: String) throws -> ModuleList {
        do {
            return ModuleList(modules: try ExpertModules.parse(text))
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The modules, showing `referenceCount` references.
    func showing(_ referenceCount: Int) -> ExpertModules {
        var modules = modules
        modules.referenceCount = referenceCount
        return modules
    }
}
