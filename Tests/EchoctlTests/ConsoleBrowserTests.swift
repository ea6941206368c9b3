import EchoImaging
import FakeMLLMServer
import Foundation
import Testing

/// The web console in a real browser: `Tests/Browser/console_test.py` drives Debian's
/// Chromium (headless, through chromium-driver) against a real `echoctl serve` on loopback
/// with a real store and the fake MLLM server, and writes a screenshot of every page to
/// `$ECHO_TEST_ARTEFACTS/console` (a temporary directory when unset).
@Suite("The web console in Chromium", .serialized)
struct ConsoleBrowserTests {
    static let script = Paths.fixture("Tests/Browser/console_test.py")
    static let chromium = "/usr/bin/chromium", chromedriver = "/usr/bin/chromedriver"

    /// Why the browser test cannot run here, or nil when it can. In CI it must run: a
    /// missing part fails the test (`scripts/setup.sh --browser` installs them).
    static let missing: String? = {
        if !FileManager.default.isExecutableFile(atPath: chromium) || !FileManager.default.isExecutableFile(atPath: chromedriver) {
            return "Chromium and chromium-driver are not installed"
        }
        let probe = try? CommandRunner.runTool("/usr/bin/env", ["python3", "-c", "import selenium"])
        return probe?.status == 0 ? nil : "python3 has no selenium"
    }()
    static let mayRun = missing == nil || ProcessInfo.processInfo.environment["CI"] != nil

    @Test("sign in, add golden samples, calibrate, remove, inspect with and without the experts, open the run; read-only sees no write controls",
          .enabled(if: mayRun, "the browser test needs Chromium, chromium-driver and selenium: run scripts/setup.sh --browser"))
    func console() async throws {
        if let missing = Self.missing { Issue.record("\(missing): run scripts/setup.sh --browser"); return }
        let work = try TemporaryDirectory()
        try PaintedDataset.makeMVTec(work.path + "/data")
        // A name past ASCII travels as the golden sample's filename metadata (an escaped header value).
        try FileManager.default.moveItem(atPath: work.path + "/data/widget/train/good/7.png", toPath: work.path + "/data/widget/train/good/Prüfteil-7.png")
        let notAnImage = work.path + "/notes.png"
        try Data("these are notes, not a PNG".utf8).write(to: URL(fileURLWithPath: notAnImage))
        let tokens = work.path + "/tokens"
        try "rw console-writer-token\nro console-reader-token\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        let artefacts = (ProcessInfo.processInfo.environment["ECHO_TEST_ARTEFACTS"].map { $0 + "/console" }) ?? work.path + "/screenshots"
        try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)

        try await FakeMLLMServer.run(script: { request in
            request.lastUserText.contains("{\"observe\"")
                ? .answer("{\"observe\": \"a dark diagonal line across the fur\", \"compare\": \"the golden samples have no such line\", \"decide\": \"defective\"}")
                : .answer("{\"verdict\": \"anomalous\", \"defect\": \"scratch\", \"region\": \"centre\", \"explanation\": \"A dark scratch crosses the surface.\"}")
        }) { url, server in
            let (process, port, printed) = try ServeCommandTests.start(
                ["--store", work.path + "/store", "--token-file", tokens, "--mllm-url", url, "--mllm-model", "fake-qwen"],
                environment: ["ECHO_API_TOKENS": "", "ECHO_API_READONLY_TOKENS": ""])
            defer { process.terminate(); process.waitUntilExit() }
            let started = Date()
            let run = try await Self.detached {
                try CommandRunner.runTool("/usr/bin/env", [
                    "python3", Self.script, "--url", "http://127.0.0.1:\(port)",
                    "--rw-token", "console-writer-token", "--ro-token", "console-reader-token",
                    "--golden", work.path + "/data/widget/train/good", "--defective", work.path + "/data/widget/test/scratch/1.png",
                    "--not-an-image", notAnImage, "--screenshots", artefacts, "--chromium", Self.chromium, "--chromedriver", Self.chromedriver,
                ])
            }
            print("console browser test: \(String(format: "%.1f", Date().timeIntervalSince(started))) s, screenshots in \(artefacts)\n\(run.stdout)")
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)\nserver: \(printed())")
            #expect(run.stdout.contains("ok - no script errors"), "\(run.stdout)")
            #expect(server.violations.isEmpty, "\(server.violations)")
            #expect(!server.requests.isEmpty, "the reviewed inspection reached the MLLM")
            for page in ["01-sign-in-error", "02-category", "04-inspect", "05-inspect-experts", "06-run", "07-runs", "08-overview", "09-category-read-only"] {
                let path = "\(artefacts)/\(page).png"
                let shot = try ImageDecoder().decodeFile(atPath: path)
                #expect(shot.width == 1600 && shot.height > 600, "\(page): \(shot.width)x\(shot.height)")
            }
        }
    }

    static func detached<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }
}
