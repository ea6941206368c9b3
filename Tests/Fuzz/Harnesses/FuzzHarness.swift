/// What a harness made of one input: the parser took it, or refused it with a typed error.
/// A crash, a sanitizer report or a hang is what the fuzzer looks for; an outcome is
/// what the regression tests assert on the inputs the fuzzer once crashed with.
public enum FuzzOutcome: Equatable, Sendable {
    case accepted
    /// The error's stable code (e.g. `corrupt`, `invalid_metadata`).
    case rejected(String)

    /// Whether the parser refused the input.
    public var isRejected: Bool {
        if case .rejected = self { return true }
        return false
    }
}

/// One parser of outside bytes, driven by libFuzzer (`echo-fuzz`) and by the regression
/// tests (`EchoFuzzTests`) with the same code.
public struct FuzzHarness: Sendable {
    /// The harness's name: the `ECHO_FUZZ_HARNESS` value and the corpus directory's name.
    public let name: String
    /// What the harness parses, in words.
    public let summary: String
    /// Parses `bytes` exactly as the product does; never traps on any input.
    public let run: @Sendable ([UInt8]) -> FuzzOutcome

    public init(name: String, summary: String, run: @escaping @Sendable ([UInt8]) -> FuzzOutcome) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// Every harness, in the order `make fuzz` runs them.
public enum FuzzHarnesses {
    public static let all: [FuzzHarness] = [
        ImageHarnesses.png, ImageHarnesses.jpeg, WeightsHarness.harness, IndexFileHarness.harness,
        JSONHarnesses.echoKnowledge, JSONHarnesses.mmadKnowledge, JSONHarnesses.mmadQuestions,
        JSONHarnesses.mmadAnswers, HTTPInputHarness.harness, MLLMResponseHarness.harness,
    ]

    /// The harness called `name`, nil for an unknown name.
    public static func named(_ name: String) -> FuzzHarness? {
        all.first { $0.name == name }
    }
}
