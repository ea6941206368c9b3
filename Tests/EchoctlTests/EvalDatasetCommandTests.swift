import Foundation
import Testing

@Suite("echoctl eval dataset and reembed")
struct EvalDatasetCommandTests {
    @Test("eval dataset on an MVTec folder prints the metric table, --json carries it, maps and summary are written")
    func evalDatasetMVTec() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/mvtec"
        try PaintedDataset.makeMVTec(root)
        let store = directory.path + "/store"
        let table = try CommandRunner.run(["eval", "dataset", root, "--format", "mvtec", "--store", store,
                                           "--save-maps", directory.path + "/maps", "--html", directory.path + "/summary.html"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("image AUROC") && table.stdout.contains("AUPRO@0.3") && table.stdout.contains("widget"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/maps/widget/scratch/0.npy"))
        #expect(try String(contentsOfFile: directory.path + "/summary.html", encoding: .utf8).contains("widget"))

        let json = try CommandRunner.run(["eval", "dataset", root, "--format", "mvtec", "--store", store, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let mean = try #require(object["mean"] as? [String: Double])
        #expect(try #require(mean["imageAUROC"]) >= 0.9)
        #expect(try #require(mean["pixelAUROC"]) > 0.85)
        // The training images were already in the store: reused, not added again.
        let list = try CommandRunner.run(["list", "-c", "widget", "--store", store, "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any])?.count == 8)
    }

    @Test("eval dataset with a wrong layout or format says what is wrong and exits non-zero")
    func evalDatasetErrors() throws {
        let directory = try TemporaryDirectory()
        let wrong = try CommandRunner.run(["eval", "dataset", directory.path, "--format", "mvtec"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("not in MVTec AD layout"))
        let format = try CommandRunner.run(["eval", "dataset", directory.path, "--format", "coco"])
        #expect(format.status != 0)
        #expect(format.stderr.contains("'coco' is invalid for '--format") && format.stderr.contains("'mvtec', 'visa' or 'folder'"), "\(format.stderr)")
    }

    @Test("reembed on a current store says so and changes nothing")
    func reembedCurrent() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/mvtec"
        try PaintedDataset.makeMVTec(root)
        let store = directory.path + "/store"
        #expect(try CommandRunner.run(["ingest", root + "/widget/train/good", "-c", "widget", "--store", store]).status == 0)
        let current = try CommandRunner.run(["reembed", "-c", "widget", "--store", store])
        #expect(current.status == 0, "\(current.stderr)")
        #expect(current.stdout.contains("already made by recipe echo-2"))
        let forced = try CommandRunner.run(["reembed", "-c", "widget", "--store", store, "--force"])
        #expect(forced.stdout.contains("re-extracted 8 references"), "\(forced.stdout) \(forced.stderr)")
    }
}
