import EchoEmbedding
import EchoImaging
import EchoStore
import Foundation
import Testing
@testable import EchoVision

@Suite("Dataset evaluation")
struct DatasetEvaluationTests {
    static func makeMVTec(_ root: String) throws { try PaintedDataset.makeMVTec(root) }

    @Test("an MVTec folder of real images with painted defects: layout read, metrics computed, maps saved at image size")
    func mvtecEndToEnd() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/mvtec"
        try Self.makeMVTec(root)
        let categories = try DatasetLayout.mvtec.categories(at: root)
        #expect(categories.map(\.name) == ["widget"])
        #expect(categories[0].training.count == 8 && categories[0].test.count == 8)
        #expect(categories[0].test.filter(\.isAnomalous).allSatisfy { $0.maskPath != nil && $0.defectType == "scratch" })

        let store = try ReferenceStore(directory: directory.path + "/store", logger: VisionFixture.logger)
        let expert = VisionExpert(store: store, embedder: try VisionFixture.embedder.get())
        let maps = directory.path + "/maps"
        let evaluation = try DatasetEvaluator(expert: expert, logger: VisionFixture.logger)
            .evaluate(categories, layout: .mvtec, root: root, saveMaps: maps)
        let metrics = try #require(evaluation.categories.first)
        #expect(metrics.testNormal == 4 && metrics.testAnomalous == 4)
        #expect(try #require(metrics.imageAUROC) >= 0.9)
        #expect(try #require(metrics.pixelAUROC) > 0.85)
        let aupro = try #require(metrics.aupro)
        #expect(aupro > 0.3 && aupro <= 1)
        #expect(try #require(metrics.imageF1Max) >= 0.8)
        #expect(metrics.truePositiveRate != nil && metrics.falsePositiveRate != nil)
        // One .npy per test image, 200×200 float32.
        let saved = try #require(evaluation.samples.first { $0.isAnomalous }?.mapPath)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: saved)[.size] as? Int)
        #expect(size == 128 + 200 * 200 * 4)
        #expect(evaluation.samples.allSatisfy { $0.mapPath != nil })
        // A second run over the same store reuses the ingested images.
        let again = try DatasetEvaluator(expert: expert, logger: VisionFixture.logger).evaluate(categories, layout: .mvtec, root: root)
        #expect(again.categories.first?.imageAUROC == metrics.imageAUROC)
        #expect(try store.list(category: "widget").count == 8)
        // The HTML summary names the category and the metrics.
        let html = EvaluationSummaryWriter.html(evaluation)
        #expect(html.contains("widget") && html.contains("AUPRO"))
    }

    @Test("a mask whose size differs from its image is an error that names both")
    func maskSizeMismatch() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/mvtec"
        try Self.makeMVTec(root)
        try ImageEncoder.writePNG(try Image(width: 10, height: 10, format: .gray, filledWith: [255]),
                                  toPath: "\(root)/widget/ground_truth/scratch/2_mask.png")
        let store = try ReferenceStore(directory: directory.path + "/store", logger: VisionFixture.logger)
        let expert = VisionExpert(store: store, embedder: try VisionFixture.embedder.get())
        do {
            _ = try DatasetEvaluator(expert: expert, logger: VisionFixture.logger)
                .evaluate(try DatasetLayout.mvtec.categories(at: root), layout: .mvtec, root: root)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unusableFile && error.message.contains("10x10") && error.message.contains("200x200"))
        }
    }

    @Test("layouts that are not what they were said to be get errors that say what is missing")
    func layoutErrors() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: DatasetError.self) { _ = try DatasetLayout.mvtec.categories(at: directory.path + "/nothing") }
        do {
            _ = try DatasetLayout.mvtec.categories(at: directory.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("train/good"))
        }
        try FileManager.default.createDirectory(atPath: directory.path + "/split_csv", withIntermediateDirectories: true)
        try "object,split,label,image\n".write(toFile: directory.path + "/split_csv/1cls.csv", atomically: true, encoding: .utf8)
        do {
            _ = try DatasetLayout.visa.categories(at: directory.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("\"mask\" column"))
        }
        let root = directory.path + "/mvtec"
        try Self.makeMVTec(root)
        do {
            _ = try DatasetLayout.mvtec.categories(at: root, only: ["bottle"])
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("no category bottle") && error.message.contains("widget"))
        }
    }

    @Test("VisA's split CSV and a good/bad folder pair are read into categories")
    func visaAndFolder() throws {
        let directory = try TemporaryDirectory()
        let root = directory.path + "/visa"
        try Self.makeMVTec(root)
        let csv = """
            object,split,label,image,mask
            widget,train,normal,widget/train/good/0.png,
            widget,train,normal,widget/train/good/1.png,
            widget,train,anomaly,widget/test/scratch/3.png,widget/ground_truth/scratch/3_mask.png
            widget,test,normal,widget/test/good/0.png,
            widget,test,anomaly,widget/test/scratch/0.png,widget/ground_truth/scratch/0_mask.png

            """
        try FileManager.default.createDirectory(atPath: root + "/split_csv", withIntermediateDirectories: true)
        try csv.write(toFile: root + "/split_csv/1cls.csv", atomically: true, encoding: .utf8)
        let visa = try DatasetLayout.visa.categories(at: root)
        #expect(visa.count == 1 && visa[0].training.count == 2, "an anomalous training row is not a golden sample")
        #expect(visa[0].test.map(\.isAnomalous) == [false, true])
        #expect(visa[0].test[1].maskPath == root + "/widget/ground_truth/scratch/0_mask.png")

        let pair = directory.path + "/pair"
        for folder in ["good", "bad"] { try FileManager.default.createDirectory(atPath: "\(pair)/\(folder)", withIntermediateDirectories: true) }
        for i in 0..<4 { try FileManager.default.copyItem(atPath: "\(root)/widget/train/good/\(i).png", toPath: "\(pair)/good/\(i).png") }
        try FileManager.default.copyItem(atPath: "\(root)/widget/test/scratch/0.png", toPath: "\(pair)/bad/0.png")
        let folder = try DatasetLayout.folder.categories(at: pair)
        #expect(folder.map(\.name) == ["pair"])
        #expect(folder[0].training.map { ($0 as NSString).lastPathComponent } == ["0.png", "2.png"])
        #expect(folder[0].test.map(\.isAnomalous) == [false, false, true])
    }
}
