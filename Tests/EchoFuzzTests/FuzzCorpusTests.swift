import EchoFuzzHarnesses
import Foundation
import Testing

/// The committed seed corpora and every input the fuzzer ever crashed or hung with, run
/// through the same harnesses `make fuzz` runs. A file's name says what the parser must
/// make of it: `ok-…` is accepted, `bad-…` refused with a typed error (and of course
/// neither may crash, which is what the regression inputs once did).
@Suite("Fuzz corpora and regression inputs")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    struct Input: CustomTestStringConvertible, Sendable {
        let harness: String
        let path: String
        var testDescription: String { "\(harness)/\(URL(fileURLWithPath: path).lastPathComponent)" }
    }

    static func inputs(under folder: String) -> [Input] {
        FuzzHarnesses.all.flatMap { harness -> [Input] in
            let directory = root.appendingPathComponent(folder).appendingPathComponent(harness.name)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.sorted().map { Input(harness: harness.name, path: directory.appendingPathComponent($0).path) }
        }
    }

    static func check(_ input: Input) throws {
        let harness = try #require(FuzzHarnesses.named(input.harness))
        let name = URL(fileURLWithPath: input.path).lastPathComponent
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input.path)))
        let outcome = harness.run(bytes)
        if name.hasPrefix("ok-") {
            #expect(outcome == .accepted, "\(input.testDescription) should be accepted, got \(outcome)")
        } else if name.hasPrefix("bad-") {
            #expect(outcome.isRejected, "\(input.testDescription) should be refused, got \(outcome)")
        } else {
            Issue.record("\(input.testDescription): name it ok-… or bad-… to say what the parser must make of it")
        }
    }

    @Test("every harness has a seed corpus that it accepts in part")
    func everyHarnessHasSeeds() throws {
        for harness in FuzzHarnesses.all {
            let seeds = Self.inputs(under: "Corpus").filter { $0.harness == harness.name }
            #expect(!seeds.isEmpty, "no seeds for \(harness.name) in Tests/Fuzz/Corpus/\(harness.name)")
        }
    }

    @Test("seed inputs give the outcome their names say", arguments: FuzzCorpusTests.inputs(under: "Corpus"))
    func seed(_ input: Input) throws {
        try Self.check(input)
    }

    @Test("inputs the fuzzer found are refused, not crashed on", arguments: FuzzCorpusTests.inputs(under: "Regressions"))
    func regression(_ input: Input) throws {
        try Self.check(input)
    }
}
