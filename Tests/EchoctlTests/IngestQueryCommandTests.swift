import Foundation
import Testing

@Suite("echoctl end to end")
struct IngestQueryCommandTests {
    let embeddingFixtures = Paths.fixture("Tests/EchoEmbeddingTests/Fixtures")
    let imagingFixtures = Paths.fixture("Tests/EchoImagingTests/Fixtures")

    struct Match: Decodable {
        struct Reference: Decodable { let id: Int64; let sourcePath: String; let metadata: [String: String] }
        let reference: Reference
        let similarity: Float
    }

    @Test("ingest a folder, query an image, remove its match, and verify — through the CLI")
    func ingestQueryRemoveVerify() throws {
        let store = try TemporaryDirectory()
        let ingest = try CommandRunner.run(["ingest", embeddingFixtures, imagingFixtures, "-c", "photos", "--meta", "line=3",
                                            "--store", store.path, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        struct Report: Decodable { struct File: Decodable { let path: String; let status: String }; let files: [File] }
        let report = try JSONDecoder().decode(Report.self, from: Data(ingest.stdout.utf8))
        #expect(report.files.filter { $0.status == "added" }.count == 16)

        let again = try CommandRunner.run(["ingest", embeddingFixtures, "-c", "photos", "--store", store.path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("0 added, 2 already present"))

        let query = try CommandRunner.run(["query", embeddingFixtures + "/chelsea.jpg", "-c", "photos", "-k", "3", "--store", store.path, "--json"])
        #expect(query.status == 0, "\(query.stderr)")
        let matches = try JSONDecoder().decode([Match].self, from: Data(query.stdout.utf8))
        #expect(matches.count == 3)
        #expect(matches[0].reference.sourcePath.hasSuffix("chelsea.jpg"))
        #expect(matches[0].similarity > 0.999)
        #expect(matches[0].reference.metadata == ["line": "3"])

        let remove = try CommandRunner.run(["remove", String(matches[0].reference.id), "--store", store.path])
        #expect(remove.status == 0, "\(remove.stderr)")
        let after = try CommandRunner.run(["query", embeddingFixtures + "/chelsea.jpg", "-c", "photos", "-k", "3", "--store", store.path, "--json"])
        let remaining = try JSONDecoder().decode([Match].self, from: Data(after.stdout.utf8))
        #expect(!remaining.contains { $0.reference.id == matches[0].reference.id })

        let verify = try CommandRunner.run(["verify", "--store", store.path])
        #expect(verify.status == 0)
        #expect(verify.stdout.contains("ok: 1 categories, 15 references"))
    }

    @Test("a bad file is reported with its reason, the good ones go in, and the exit code is 1")
    func badFilesReported() throws {
        let store = try TemporaryDirectory()
        let folder = try TemporaryDirectory()
        try FileManager.default.copyItem(atPath: embeddingFixtures + "/chelsea.jpg", toPath: folder.path + "/good.jpg")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: embeddingFixtures + "/chelsea.jpg"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: folder.path + "/truncated.jpg"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: folder.path + "/notes.png"))
        let result = try CommandRunner.run(["ingest", folder.path, "-c", "cells", "--store", store.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("truncated.jpg") && result.stdout.contains("Premature end of JPEG file"))
        #expect(result.stdout.contains("notes.png") && result.stdout.contains("not a PNG or JPEG"))
        #expect(result.stdout.contains("1 added, 0 already present, 2 failed"))
    }

    @Test("querying an unknown category or a missing store says what to do")
    func clearErrors() throws {
        let store = try TemporaryDirectory()
        let missing = try CommandRunner.run(["query", embeddingFixtures + "/chelsea.jpg", "-c", "x", "--store", store.path + "/none"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no Echo store") && missing.stderr.contains("echoctl ingest"))
        _ = try CommandRunner.run(["ingest", embeddingFixtures + "/chelsea.jpg", "-c", "cats", "--store", store.path])
        let unknown = try CommandRunner.run(["query", embeddingFixtures + "/chelsea.jpg", "-c", "dogs", "--store", store.path])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no category \"dogs\"") && unknown.stderr.contains("cats"))
    }

    @Test("stats, categories and list print tables, and JSON with --json")
    func reportingCommands() throws {
        let store = try TemporaryDirectory()
        _ = try CommandRunner.run(["ingest", embeddingFixtures, "-c", "photos", "--store", store.path, "--index", "HNSW16"])
        let stats = try CommandRunner.run(["stats", "--store", store.path])
        #expect(stats.status == 0)
        #expect(stats.stdout.contains("photos") && stats.stdout.contains("HNSW16"))
        let categories = try CommandRunner.run(["categories", "--store", store.path, "--json"])
        struct Row: Decodable { let name: String; let liveReferences: Int }
        #expect(try JSONDecoder().decode([Row].self, from: Data(categories.stdout.utf8)).map(\.liveReferences) == [2])
        let list = try CommandRunner.run(["list", "-c", "photos", "--store", store.path])
        #expect(list.stdout.contains("451x300"))
    }

    @Test("embed prints a unit-length 1280-d vector")
    func embedPrintsVector() throws {
        let result = try CommandRunner.run(["embed", embeddingFixtures + "/coffee-224.png"])
        #expect(result.status == 0, "\(result.stderr)")
        let values = result.stdout.split(separator: " ").compactMap { Float($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(values.count == 1280)
        #expect(abs(values.map { $0 * $0 }.reduce(0, +) - 1) < 1e-3)
    }
}
