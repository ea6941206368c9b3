import EchoImaging
import Foundation
import Testing

/// A store on a small filesystem of its own that fills up: the error names the full disk
/// (and no SQL), every image acknowledged before stays, the store verifies, and work
/// resumes once space is freed.
@Suite("A full disk", .serialized)
struct DiskFullTests {
    /// A tmpfs of `megabytes`, nil (with a loud message) only where a non-root user outside
    /// CI may not mount; as root or in CI a failure to mount fails the test.
    static func smallDisk(megabytes: Int) throws -> SmallFilesystem? {
        do {
            return try SmallFilesystem(megabytes: megabytes)
        } catch let unavailable as SmallFilesystem.Unavailable where unavailable.maySkip {
            print("⚠️ SKIPPED the disk-full test: \(unavailable); run the tests as root (as CI does) to try a full disk")
            return nil
        }
    }

    /// `count` distinct noise images (PNG, 96×96), seeded, in `directory`.
    static func noiseImages(_ count: Int, in directory: String) throws {
        var random = SeededGenerator(seed: 15)
        for index in 0..<count {
            let pixels = (0..<(96 * 96 * 3)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let image = try Image(width: 96, height: 96, format: .rgb, pixels: pixels)
            try ImageEncoder.writePNG(image, toPath: String(format: "%@/part-%03d.png", directory, index))
        }
    }

    static let sqlWords = ["INSERT", "SELECT", "UPDATE", "while executing", "VALUES"]

    @Test("ingest until the disk is full: disk_full naming the disk, what was acknowledged stays, the store verifies, ingest resumes after space is freed")
    func ingestUntilTheDiskIsFull() throws {
        guard let disk = try Self.smallDisk(megabytes: 24) else { return }
        let images = try TemporaryDirectory()
        try Self.noiseImages(40, in: images.path)
        let store = disk.path + "/store"

        let first = try CommandRunner.run(["ingest", images.file("part-000.png"), images.file("part-001.png"), "-c", "parts", "--store", store])
        #expect(first.status == 0, "\(first.stderr)")
        let filler = try disk.fill(leaving: 1_500_000)

        let full = try CommandRunner.run(["ingest", images.path, "-c", "parts", "--batch-size", "2", "--no-screen", "--store", store])
        #expect(full.status == 74, "exit \(full.status): \(full.stderr)")
        #expect(full.stderr.contains("disk_full") && full.stderr.contains("is full") && full.stderr.contains(disk.path), "\(full.stderr)")
        for word in Self.sqlWords { #expect(!full.stderr.contains(word), "the message shows SQL: \(full.stderr)") }
        let saved = Self.savedCount(in: full.stderr)
        #expect(saved < 38, "the disk never filled: \(full.stderr)")

        let verify = try CommandRunner.run(["verify", "--store", store])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("ok: 1 categories, \(2 + saved) references"), "\(verify.stdout)")

        try FileManager.default.removeItem(atPath: filler)
        let again = try CommandRunner.run(["ingest", images.path, "-c", "parts", "--no-screen", "--store", store])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\(38 - saved) added, \(2 + saved) already present, 0 failed"), "\(again.stdout)")
        let after = try CommandRunner.run(["verify", "--store", store])
        #expect(after.status == 0 && after.stdout.contains("ok: 1 categories, 40 references"), "\(after.stdout)")
    }

    /// The images a stopped ingest says it saved ("the N new images ... are saved"), 0 for "nothing".
    static func savedCount(in message: String) -> Int {
        guard let match = message.firstMatch(of: /the (\d+) new images of this run committed before it stopped are saved/) else {
            #expect(message.contains("nothing of this run was saved"), "\(message)")
            return 0
        }
        return Int(match.1)!
    }
}
