import EchoImaging
import Foundation
import Testing

@Suite("echoctl audit, ingest screening and drift in stats")
struct AuditCommandTests {
    /// 12 golden crops of the committed photo in `golden/`, plus one scratched crop.
    static func images(_ directory: TemporaryDirectory) throws -> (golden: String, contaminant: String) {
        let golden = directory.path + "/golden"
        try FileManager.default.createDirectory(atPath: golden, withIntermediateDirectories: true)
        for i in 0..<12 {
            try ImageEncoder.writePNG(try PaintedDataset.crop(dx: (i % 4) * 3, dy: (i / 4) * 3), toPath: "\(golden)/\(i).png")
        }
        let contaminant = directory.path + "/contaminant.png"
        try ImageEncoder.writePNG(try PaintedDataset.scratched(try PaintedDataset.crop(dx: 4, dy: 2), box: (30, 30, 120, 120)), toPath: contaminant)
        return (golden, contaminant)
    }

    @Test("audit lists the defective golden sample (exit 3), writes its page, and --exclude recalibrates without it")
    func auditExcludes() throws {
        let directory = try TemporaryDirectory()
        let (golden, contaminant) = try Self.images(directory)
        let store = directory.path + "/store"
        #expect(try CommandRunner.run(["ingest", golden, contaminant, "-c", "widget", "--store", store]).status == 0)
        let found = try CommandRunner.run(["audit", "-c", "widget", "--store", store, "--report", directory.path + "/audit"])
        #expect(found.status == 3, "\(found.stderr)")
        #expect(found.stdout.contains("13 golden samples"))
        #expect(found.stdout.contains("1 outlier above z 2.0"))
        #expect(found.stdout.contains(contaminant))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/audit/index.html"))

        let excluded = try CommandRunner.run(["audit", "-c", "widget", "--store", store, "--exclude", "--json"])
        #expect(excluded.status == 0, "\(excluded.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(excluded.stdout.utf8)) as? [String: Any])
        let calibration = try #require(object["calibration"] as? [String: Any])
        #expect((calibration["scores"] as? [Double])?.count == 12)
        let stats = try CommandRunner.run(["stats", "-c", "widget", "--store", store, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [[String: Any]])
        #expect(rows.first?["excludedFromCalibration"] as? Int == 1)

        let bad = try CommandRunner.run(["audit", "-c", "widget", "--store", store, "--readmit", "4242"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("no live golden sample of \"widget\" with id 4242"))
    }

    @Test("ingest warns on stderr when a new golden sample scores as an outlier against the calibration")
    func ingestWarns() throws {
        let directory = try TemporaryDirectory()
        let (golden, contaminant) = try Self.images(directory)
        let store = directory.path + "/store"
        #expect(try CommandRunner.run(["ingest", golden, "-c", "widget", "--store", store]).status == 0)
        #expect(try CommandRunner.run(["calibrate", "-c", "widget", "--store", store]).status == 0)
        let warned = try CommandRunner.run(["ingest", contaminant, "-c", "widget", "--store", store])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stdout.contains("1 added"))
        #expect(warned.stderr.contains("warning: golden sample") && warned.stderr.contains("may be defective"))
        let quiet = try CommandRunner.run(["ingest", contaminant, "-c", "widget", "--store", store])
        #expect(!quiet.stderr.contains("warning"), "a duplicate is not screened again")
    }

    @Test("inspect prints the run's score drift and stats shows the recent drift")
    func driftShown() throws {
        let directory = try TemporaryDirectory()
        let (golden, _) = try Self.images(directory)
        let store = directory.path + "/store"
        #expect(try CommandRunner.run(["ingest", golden, "-c", "widget", "--store", store]).status == 0)
        #expect(try CommandRunner.run(["calibrate", "-c", "widget", "--store", store]).status == 0)
        let queries = directory.path + "/queries"
        try FileManager.default.createDirectory(atPath: queries, withIntermediateDirectories: true)
        for i in 0..<3 { try ImageEncoder.writePNG(try PaintedDataset.crop(dx: 1 + i * 3, dy: 4), toPath: "\(queries)/\(i).png") }
        let inspect = try CommandRunner.run(["inspect", queries, "-c", "widget", "--store", store])
        #expect(inspect.stdout.contains("score drift: not judged ("), "\(inspect.stdout)\(inspect.stderr)")
        let stats = try CommandRunner.run(["stats", "-c", "widget", "--store", store])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("widget: score drift not judged ("))
    }
}
