import Foundation
import Testing

/// `echoctl backup` and `echoctl restore`: a consistent copy taken while the store is
/// written, restored and verified; a damaged or misplaced backup refused with the store untouched.
@Suite("Backups")
struct BackupCommandTests {
    let fixtures = Paths.fixture("Tests/EchoEmbeddingTests/Fixtures")
    let imagingFixtures = Paths.fixture("Tests/EchoImagingTests/Fixtures")

    struct Summary: Decodable { let path: String; let categories: Int; let references: Int; let migrations: [String] }

    func references(in store: String) throws -> Int {
        let verify = try CommandRunner.run(["verify", "--store", store, "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        struct Report: Decodable { let references: Int }
        return try JSONDecoder().decode(Report.self, from: Data(verify.stdout.utf8)).references
    }

    @Test("a backup taken while an ingest writes is one consistent commit of the store, and restores into a store that verifies")
    func backupWhileWriting() throws {
        let store = try TemporaryDirectory(), images = try TemporaryDirectory(), backups = try TemporaryDirectory()
        try DiskFullTests.noiseImages(48, in: images.path)
        let first = try CommandRunner.run(["ingest", fixtures, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(first.status == 0, "\(first.stderr)")

        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: try #require(CommandRunner.binary))
        writer.arguments = ["ingest", images.path, "-c", "parts", "--batch-size", "1", "--no-screen", "--store", store.path]
        writer.standardOutput = FileHandle.nullDevice
        writer.standardError = FileHandle.nullDevice
        try writer.run()
        // Take backups while the writer commits, one image per transaction.
        var taken: [Summary] = []
        for index in 0..<3 {
            Thread.sleep(forTimeInterval: 1.5)
            let backup = try CommandRunner.run(["backup", backups.file("b\(index).sqlite"), "--store", store.path, "--json"])
            #expect(backup.status == 0, "\(backup.stderr)")
            taken.append(try JSONDecoder().decode(Summary.self, from: Data(backup.stdout.utf8)))
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(taken.map(\.references) == taken.map(\.references).sorted(), "backups went back in time: \(taken.map(\.references))")
        #expect(taken.contains { $0.references > 2 && $0.references < 50 }, "no backup fell mid-ingest: \(taken.map(\.references))")

        for summary in taken {
            let restored = try TemporaryDirectory()
            let restore = try CommandRunner.run(["restore", summary.path, "--store", restored.path])
            #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
            #expect(restore.stdout.contains("ok: the restored store verifies"))
            #expect(try references(in: restored.path) == summary.references)
        }
        #expect(try references(in: store.path) == 50)
    }

    @Test("restore brings back what was removed after the backup, and queries answer from it")
    func restoreUndoesChanges() throws {
        let store = try TemporaryDirectory(), backups = try TemporaryDirectory()
        let ingest = try CommandRunner.run(["ingest", fixtures, imagingFixtures, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let backup = try CommandRunner.run(["backup", backups.file("golden.sqlite"), "--store", store.path])
        #expect(backup.status == 0 && backup.stdout.contains("16 references"), "\(backup.stdout)\(backup.stderr)")
        for id in 1...5 { _ = try CommandRunner.run(["remove", String(id), "--store", store.path]) }
        #expect(try references(in: store.path) == 11)

        let restore = try CommandRunner.run(["restore", backups.file("golden.sqlite"), "--store", store.path])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(try references(in: store.path) == 16)
        let query = try CommandRunner.run(["query", fixtures + "/chelsea.jpg", "-c", "parts", "-k", "1", "--json", "--store", store.path])
        #expect(query.status == 0 && query.stdout.contains("chelsea.jpg"), "\(query.stdout)\(query.stderr)")
    }

    @Test("a backup never overwrites a file, a damaged backup is refused, and the store is left as it was")
    func refusals() throws {
        let store = try TemporaryDirectory(), backups = try TemporaryDirectory()
        let ingest = try CommandRunner.run(["ingest", fixtures, "-c", "parts", "--no-screen", "--store", store.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: backups.file("taken.sqlite")))
        let overwrite = try CommandRunner.run(["backup", backups.file("taken.sqlite"), "--store", store.path])
        #expect(overwrite.status == 65 && overwrite.stderr.contains("never overwrites"), "\(overwrite.stderr)")
        #expect(try String(contentsOfFile: backups.file("taken.sqlite"), encoding: .utf8) == "keep me")

        let good = try CommandRunner.run(["backup", backups.file("good.sqlite"), "--store", store.path])
        #expect(good.status == 0, "\(good.stderr)")
        var damaged = try Data(contentsOf: URL(fileURLWithPath: backups.file("good.sqlite")))
        damaged.replaceSubrange(4096..<8192, with: Data(repeating: 0, count: 4096))
        try damaged.write(to: URL(fileURLWithPath: backups.file("damaged.sqlite")))
        try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: backups.file("noise.sqlite")))
        for name in ["damaged.sqlite", "noise.sqlite", "missing.sqlite"] {
            let restore = try CommandRunner.run(["restore", backups.file(name), "--store", store.path])
            #expect(restore.status != 0 && restore.status < 128, "\(name): exit \(restore.status)")
            #expect(restore.stderr.contains(backups.file(name)), "\(name): \(restore.stderr)")
            #expect(try references(in: store.path) == 2, "\(name) changed the store")
        }
    }
}
