import ArgumentParser
import EchoApplication
import EchoExperts
import EchoMLLM
import Foundation
import Logging

/// Where the MLLM is and how to call it. The API key is read from ECHO_MLLM_API_KEY only
/// (a flag would show it in the process list).
struct MLLMOptions: ParsableArguments {
    @Option(help: "The OpenAI-compatible API base, e.g. http://localhost:8000/v1 (default: $ECHO_MLLM_URL).")
    var mllmURL: String?
    @Option(help: "The served model's name, e.g. Qwen/Qwen2-VL-7B-Instruct (default: $ECHO_MLLM_MODEL).")
    var mllmModel: String?
    @Option(help: "Seconds one MLLM request may take.") var mllmTimeout: Double = 120
    @Option(help: "Retries after a 429, a 5xx or a dropped connection.") var mllmRetries: Int = 3
    @Option(help: "Sampling temperature.") var temperature: Double = 0
    @Option(help: "The most tokens per answer.") var maxTokens: Int = 512

    func validate() throws {
        guard mllmTimeout > 0 else { throw ValidationError("--mllm-timeout must be positive") }
        guard mllmRetries >= 0 else { throw ValidationError("--mllm-retries cannot be negative") }
        guard maxTokens > 0 else { throw ValidationError("--max-tokens must be at least 1") }
    }

    /// The configuration from flags over the environment; nil when no URL is given.
    func configuration() throws -> MLLMConfiguration? {
        var environment = ProcessInfo.processInfo.environment
        if let mllmURL { environment["ECHO_MLLM_URL"] = mllmURL }
        if let mllmModel { environment["ECHO_MLLM_MODEL"] = mllmModel }
        do {
            guard var configuration = try MLLMConfiguration.fromEnvironment(environment) else { return nil }
            configuration.timeout = .milliseconds(Int64(mllmTimeout * 1000))
            configuration.maxRetries = mllmRetries
            configuration.temperature = temperature
            configuration.maxTokens = maxTokens
            return configuration
        } catch {
            throw EchoError(classifying: error)
        }
    }

    /// The client, or nil when no MLLM is configured.
    func client(logger: Logger) throws -> MLLMClient? {
        guard let configuration = try configuration() else { return nil }
        do {
            return try MLLMClient(configuration: configuration, logger: logger)
        } catch {
            throw EchoError(classifying: error)
        }
    }
}

/// Which experts take part (the paper's ablations).
struct ModuleOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Experts to use: all, none, or a list of references,knowledge,reasoning,vision.", valueName: "modules"),
            transform: ModuleList.parse)
    var modules = ModuleList.all
    @Option(help: "Normal reference images shown to the MLLM.") var referenceCount: Int = 1

    func validate() throws {
        guard referenceCount >= 0 else { throw ValidationError("--reference-count cannot be negative") }
    }

    /// The experts chosen, showing `--reference-count` references.
    var parsed: ExpertModules { modules.showing(referenceCount) }
}
