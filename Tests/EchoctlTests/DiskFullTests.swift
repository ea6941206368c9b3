import EchoImaging
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

    @Test("uploads to the service on a full disk: 507 disk_full with no path or SQL, the references before stay, uploads work again after space is freed")
    func serviceUploadsOnAFullDisk() async throws {
        guard let disk = try Self.smallDisk(megabytes: 24) else { return }
        let images = try TemporaryDirectory()
        try Self.noiseImages(30, in: images.path)
        let store = disk.path + "/store"
        let first = try CommandRunner.run(["ingest", images.file("part-000.png"), "-c", "parts", "--no-screen", "--store", store])
        #expect(first.status == 0, "\(first.stderr)")

        let (server, port, printed) = try ServeCommandTests.start(["--store", store, "--no-auth"])
        defer { server.terminate(); server.waitUntilExit() }
        let filler = try disk.fill(leaving: 700_000)
        var statuses: [Int] = []
        var full: [String: Any]?
        for index in 1..<30 {
            let body = try Data(contentsOf: URL(fileURLWithPath: images.file(String(format: "part-%03d.png", index))))
            let (status, data) = try await ServeCommandTests.request("POST", "http://127.0.0.1:\(port)/v1/categories/parts/references", body: body, type: "image/png")
            statuses.append(status)
            if status != 201 && status != 200 {
                full = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                break
            }
        }
        #expect(statuses.last == 507, "statuses \(statuses); \(printed())")
        let error = try #require(full?["error"] as? [String: Any], "\(String(describing: full))")
        let message = try #require(error["message"] as? String)
        #expect(error["code"] as? String == "disk_full", "\(error)")
        #expect(!message.contains(disk.path) && !Self.sqlWords.contains { message.contains($0) }, "the client sees internals: \(message)")
        let accepted = statuses.filter { $0 == 201 || $0 == 200 }.count

        try FileManager.default.removeItem(atPath: filler)
        let retry = try Data(contentsOf: URL(fileURLWithPath: images.file(String(format: "part-%03d.png", accepted + 1))))
        let (after, _) = try await ServeCommandTests.request("POST", "http://127.0.0.1:\(port)/v1/categories/parts/references", body: retry, type: "image/png")
        #expect(after == 201 || after == 200, "after freeing space: \(after)")
        server.terminate()
        server.waitUntilExit()
        let verify = try CommandRunner.run(["verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("ok: 1 categories, \(1 + accepted + 1) references"), "\(verify.stdout)\(verify.stderr)")
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
