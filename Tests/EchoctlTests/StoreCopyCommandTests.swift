import EchoImaging
import EchoTestSupport
import Foundation
import Testing

/// `echoctl store copy` between a SQLite directory and a real PostgreSQL, both ways: the
/// same answers after the copy, the image files carried through the database.
@Suite("echoctl store copy", .serialized)
struct StoreCopyCommandTests {
    static func json(_ text: String) -> Any { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) ?? [:] }

    /// Nearest normals (sha and similarity) and the inspection score of `image` in `store`.
    static func answers(_ store: [String], image: String) throws -> (matches: [String], score: Double?, verdict: String?, staleWarning: Bool) {
        let query = try CommandRunner.run(["query", image, "-c", "parts", "-k", "3", "--json"] + store)
        #expect(query.status == 0, "\(query.stderr)")
        let matches = (json(query.stdout) as? [[String: Any]] ?? []).map { match in
            "\((match["reference"] as? [String: Any])?["sha256"] ?? "?") \(String(format: "%.5f", match["similarity"] as? Double ?? .nan))"
        }
        let inspected = try CommandRunner.run(["inspect", image, "-c", "parts", "--json"] + store)
        let first = ((json(inspected.stdout) as? [String: Any])?["images"] as? [[String: Any]])?.first
        let result = first?["result"] as? [String: Any]
        return (matches, result?["score"] as? Double, result?["verdict"] as? String, inspected.stderr.contains("predates"))
    }

    @Test("SQLite → PostgreSQL → SQLite: the same nearest normals and scores everywhere, calibration and memory bank current, images through the database")
    func roundTrip() throws {
        let directory = try TemporaryDirectory(), cache = try TemporaryDirectory()
        let database = try TestDatabase()
        let golden = directory.path + "/golden"
        try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        for i in 0..<6 { try ImageEncoder.writePNG(try PaintedDataset.crop(dx: (i % 3) * 3, dy: (i / 3) * 3), toPath: "\(golden)/\(i).png") }
        let probe = directory.path + "/probe.png"
        try ImageEncoder.writePNG(try PaintedDataset.scratched(try PaintedDataset.crop(dx: 2, dy: 2), box: (60, 60, 150, 150)), toPath: probe)
        let sqlite = directory.path + "/store"
        for arguments in [["ingest", golden, "-c", "parts", "--meta", "line=3"], ["calibrate", "-c", "parts", "--coreset", "0.5"],
                          ["knowledge", "import", Paths.fixture("Tests/EchoExpertsTests/Fixtures/domain_knowledge_excerpt.json")]] {
            let done = try CommandRunner.run(arguments + ["--store", sqlite])
            #expect(done.status == 0, "\(arguments): \(done.stderr)")
        }
        let before = try Self.answers(["--store", sqlite], image: probe)
        #expect(before.matches.count == 3 && before.verdict == "anomalous" && !before.staleWarning, "\(before)")

        let intoPostgres = try CommandRunner.run(["store", "copy", sqlite, database.url, "--json"])
        #expect(intoPostgres.status == 0, "\(intoPostgres.stdout) \(intoPostgres.stderr)")
        let report = (Self.json(intoPostgres.stdout) as? [String: Any])?["report"] as? [String: Any]
        let parts = (report?["categories"] as? [[String: Any]])?.first
        #expect(parts?["references"] as? Int == 6 && parts?["images"] as? Int == 6 && parts?["calibration"] as? Bool == true
                && parts?["memoryBank"] as? Bool == true && report?["knowledgeEntries"] as? Int == 6, "\(intoPostgres.stdout)")
        let postgres = ["--store", database.url, "--cache", cache.path]
        let onPostgres = try Self.answers(postgres, image: probe)
        #expect(onPostgres.matches == before.matches && onPostgres.score == before.score && onPostgres.verdict == before.verdict, "\(onPostgres) vs \(before)")
        #expect(!onPostgres.staleWarning, "the copied threshold is current for the copied reference set")
        #expect(try database.psql("SELECT count(*) FROM image_blobs").trimmingCharacters(in: .whitespacesAndNewlines) == "6")

        // The golden files are gone: the way back takes the images from the database.
        try FileManager.default.removeItem(atPath: golden)
        let reportDirectory = directory.path + "/report"
        let reported = try CommandRunner.run(["inspect", probe, "-c", "parts", "--report", reportDirectory] + postgres)
        #expect(reported.status == 3 && FileManager.default.fileExists(atPath: reportDirectory + "/images/0001-normal.png"),
                "the nearest normal drawn from the database: \(reported.stdout) \(reported.stderr)")
        let audit = directory.path + "/audit"
        _ = try CommandRunner.run(["audit", "-c", "parts", "--report", audit] + postgres)
        let drawn = (try? FileManager.default.contentsOfDirectory(atPath: audit + "/images")) ?? []
        #expect(!drawn.isEmpty && !((try? String(contentsOfFile: audit + "/index.html", encoding: .utf8)) ?? "").contains("image not readable"),
                "the audit page draws the golden samples from the database")
        let back = directory.path + "/back"
        let intoSQLite = try CommandRunner.run(["store", "copy", database.url, back])
        #expect(intoSQLite.status == 0 && intoSQLite.stdout.contains("destination: verified, 6 references"), "\(intoSQLite.stdout) \(intoSQLite.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: back + "/uploads").count == 6)
        let returned = try Self.answers(["--store", back], image: probe)
        #expect(returned.matches == before.matches && returned.score == before.score && returned.verdict == before.verdict && !returned.staleWarning)
        let listed = try CommandRunner.run(["list", "-c", "parts", "--json", "--store", back])
        #expect(listed.stdout.contains("\"line\" : \"3\""), "metadata copied: \(listed.stdout.prefix(400))")

        let again = try CommandRunner.run(["store", "copy", sqlite, database.url])
        #expect(again.status == 65 && again.stderr.contains("not empty"), "\(again.stderr)")
        let same = try CommandRunner.run(["store", "copy", sqlite, sqlite])
        #expect(same.status == 65 && same.stderr.contains("same store"), "\(same.stderr)")
    }
}
