import ArgumentParser
import EchoApplication
import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// `echoctl eval dataset ROOT --format mvtec|visa|folder`: the standard evaluation.
struct EvalDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Evaluate the vision expert on a dataset: image and pixel AUROC, AUPRO, F1-max, rates at the calibrated threshold.",
        discussion: """
            Layouts: mvtec (CAT/train/good, CAT/test/<type>, CAT/ground_truth/<type>/<name>_mask.png), visa \
            (split_csv/1cls.csv), folder (ROOT/good and ROOT/bad, optional ROOT/train and ROOT/masks/<name>.png). \
            Training normals are ingested into --store (a temporary store when none is given; images already there are \
            reused), each category is calibrated from them alone (in a store you name, this replaces the category's \
            threshold), and every test image is inspected.
            """)

    @Argument(help: "The dataset folder.") var root: String
    @Option(help: "The layout: mvtec, visa or folder.") var format: DatasetLayout
    @Option(name: .shortAndLong, help: "Only these categories (repeatable).") var category: [String] = []
    @Option(help: "The store to ingest into (default: a temporary store, removed afterwards). Each evaluated category is recalibrated there, replacing its threshold.") var store: String?
    @Option(help: "Nearest normals each image is compared with.") var neighbours = 3
    @Option(help: ArgumentHelp("The image score: max or topN.", valueName: "max|topN")) var score = VisionExpert.ImageScore.maximum
    @Option(help: ArgumentHelp("Save each test image's anomaly map as float32 .npy at the image's size.", valueName: "dir")) var saveMaps: String?
    @Option(help: ArgumentHelp("Write an HTML summary.", valueName: "file")) var html: String?
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard neighbours > 0 else { throw ValidationError("--neighbours must be at least 1") }
    }

    func run() throws {
        let logger = runtime.prepare(label: "eval-dataset")
        var request = DatasetEvaluationRequest(root: root, layout: format)
        request.categories = category
        request.storeDirectory = store
        request.neighbours = neighbours
        request.imageScore = score
        request.saveMaps = saveMaps
        request.htmlPath = html
        request.concurrency = runtime.threads
        let bar = ProgressBar(label: "eval")
        let quiet = output.json
        let evaluation = try DatasetEvaluationRun.run(request, embedder: try embedderOptions.load(), logger: logger) { step in
            if !quiet || !bar.interactive { bar.update(done: step.done, total: step.total, detail: "\(step.category) \(step.stage)") }
        }
        if output.json { return try printJSON(EvaluationOutput(evaluation: evaluation, mean: evaluation.mean)) }
        func cell(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
        var rows = evaluation.categories.map { m in
            [m.category, "\(m.testNormal)/\(m.testAnomalous)", cell(m.imageAUROC), cell(m.pixelAUROC), cell(m.aupro), cell(m.imageF1Max),
             cell(m.falsePositiveRate), cell(m.truePositiveRate)]
        }
        let mean = evaluation.mean
        rows.append(["mean", "", cell(mean["imageAUROC"]), cell(mean["pixelAUROC"]), cell(mean["aupro"]), cell(mean["imageF1Max"]),
                     cell(mean["falsePositiveRate"]), cell(mean["truePositiveRate"])])
        print(Table(headers: ["category", "test good/bad", "image AUROC", "pixel AUROC", "AUPRO@0.3", "F1-max", "FPR@thr", "TPR@thr"], rows: rows).rendered)
        if let html { print("summary: \(html)") }
    }

    private struct EvaluationOutput: Encodable {
        let evaluation: DatasetEvaluation
        let mean: [String: Double]
    }
}
