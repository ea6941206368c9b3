import Foundation
import Glibc
import Testing

@Suite("Two writers on one store")
struct StoreLockCommandTests {
    @Test("while one process writes, a second writer gets a clear busy error after --wait")
    func secondWriterBusy() throws {
        let store = try TemporaryDirectory()
        let writerBinary = try #require(CommandRunner.testWriter, "echo-test-writer must be built beside the tests")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: writerBinary)
        writer.arguments = ["--store", store.path, "--count", "1000000", "--threads", "1"]
        let pipe = Pipe()
        writer.standardOutput = pipe
        try writer.run()
        // SIGKILL, not terminate(): a child spawned from the test runner may inherit a mask
        // that blocks SIGTERM.
        defer { kill(writer.processIdentifier, SIGKILL); writer.waitUntilExit() }
        // Wait until it has committed something, so it holds the lock.
        _ = pipe.fileHandleForReading.availableData
        let second = try CommandRunner.run(["remove", "1", "--store", store.path, "--wait", "0.3"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("busy") && second.stderr.contains("pid \(writer.processIdentifier)"))
        // Readers are not blocked.
        let reader = try CommandRunner.run(["categories", "--store", store.path])
        #expect(reader.status == 0)
        #expect(reader.stdout.contains("synthetic"))
    }
}
