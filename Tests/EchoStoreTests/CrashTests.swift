import Glibc
import Foundation
import Testing
@testable import EchoStore

/// Kills a child process that ingests in a loop with SIGKILL at random moments; after
/// each kill, every reference the child reported committed must be there, the index
/// must hold exactly the live rows, and `verify` must pass.
@Suite("Crash safety")
struct CrashTests {
    @Test("30 SIGKILLs at random moments lose no committed reference and leave index and metadata agreeing")
    func killedIngestLosesNothing() throws {
        let binary = try #require(builtExecutable("echo-test-writer"), "echo-test-writer must be built beside the tests (swift build --build-tests)")
        let directory = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        var committed = Set<Int64>()
        for trial in 0..<30 {
            let child = Process()
            child.executableURL = URL(fileURLWithPath: binary)
            child.arguments = ["--store", directory.path, "--count", "100000",
                               "--seed", String(trial + 1), "--save-every", String(3 + trial % 5), "--threads", "1"]
            let pipe = Pipe()
            child.standardOutput = pipe
            child.standardError = FileHandle.nullDevice
            try child.run()
            usleep(UInt32.random(in: 150_000...700_000, using: &generator))
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let ids = output.split(separator: "\n").compactMap { line -> Int64? in
                guard line.hasPrefix("committed ") else { return nil }
                return Int64(line.dropFirst("committed ".count))
            }
            committed.formUnion(ids)

            let store = try StoreFixture.open(directory, timeout: 5)
            let present = try store.references(ids: Array(committed))
            #expect(present.count == committed.count, "trial \(trial): \(committed.count - present.count) committed references lost")
            let report = try store.verify()
            #expect(report.isConsistent, "trial \(trial): \(report.problems)")
            if let category = try store.categories().first {
                let stats = try store.statistics(category: category.name)[0]
                #expect(stats.indexedVectors == stats.liveReferences, "trial \(trial)")
            }
        }
        #expect(committed.count > 30, "the child committed too little to test anything (\(committed.count))")
    }
}
