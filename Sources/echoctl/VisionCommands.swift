import ArgumentParser
import EchoApplication
import EchoExperts
import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// `echoctl calibrate --category C`: the anomaly threshold from golden samples alone.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a category's anomaly threshold from its golden samples (each scored against the others).")

    @Option(name: .shortAndLong, help: "The product (category).") var category: String
    @Option(help: "Nearest normals each image is compared with.") var neighbours = 3
    @Option(help: "Quantile of the golden samples' scores used as the threshold.") var quantile = 0.95
    @Option(help: ArgumentHelp("The image score: max (the largest raw patch distance, PatchCore's) or topN (the mean of the N largest). Inspection follows the calibration.", valueName: "max|topN"))
    var score = VisionExpert.ImageScore.maximum
    @Option(help: ArgumentHelp("First build a memory bank: a greedy coreset of this fraction of all golden patches (e.g. 0.01), compared with every patch besides the nearest golden samples.", valueName: "ratio"))
    var coreset: Double?
    @Flag(help: "First remove the category's memory bank, if it has one.") var dropMemoryBank = false
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var request = CalibrationRequest(category: category)
        request.neighbours = neighbours
        request.quantile = quantile
        request.imageScore = score
        request.coreset = coreset
        request.dropMemoryBank = dropMemoryBank
        request.concurrency = runtime.threads
        try request.validate()
        let outcome = try storeOptions.app(.readWrite, runtime: runtime, label: "calibrate", embedder: embedderOptions).calibrate(request)
        let calibration = outcome.calibration
        if output.json { return try printJSON(calibration) }
        if outcome.memoryBankRemoved { print("\(category): memory bank removed") }
        if let bank = outcome.memoryBank {
            print("\(category): memory bank of \(bank.patches) patches chosen from \(bank.sourcePatches) in \(String(format: "%.1f", bank.seconds)) s")
        }
        let sorted = calibration.scores.sorted()
        print("\(category): threshold \(String(format: "%.4f", calibration.threshold)) (\(calibration.method), \(calibration.neighbours) neighbours)")
        print("golden scores: min \(String(format: "%.4f", sorted.first ?? 0)), median \(String(format: "%.4f", sorted[sorted.count / 2])), max \(String(format: "%.4f", sorted.last ?? 0))")
    }
}

/// `echoctl inspect IMAGE|DIR --category C`: verdicts, scores and overlays.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect images against their nearest golden samples: verdict, score, region, and an HTML report with overlays.",
        discussion: """
            The run is recorded in the store. With --mllm the Echo experts (knowledge, reasoning, decision over an \
            OpenAI-compatible MLLM) review every image and decide; without a configured MLLM, or when it fails, the vision \
            expert's verdict stands and the report says so. Exit code: 0 when every image is normal, 3 when any is anomalous \
            or uncertain, 1 when any failed.
            """)

    @Argument(help: "Image files or folders.") var paths: [String]
    @Option(name: .shortAndLong, help: "The product (category).") var category: String
    @Option(help: "Nearest normals each image is compared with.") var neighbours = 3
    @Option(help: "Write an HTML report with overlays into this directory.") var report: String?
    @Flag(help: "Have the MLLM experts review every image (see --mllm-url, --modules).") var mllm = false
    @Option(help: "MLLM reviews in flight at once.") var mllmConcurrency: Int = 4
    @Flag(help: "Enqueue the images for `echoctl worker`s (PostgreSQL store) and print the run id instead of inspecting here.")
    var queue = false
    @OptionGroup var moduleOptions: ModuleOptions
    @OptionGroup var mllmOptions: MLLMOptions
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        if queue { return try enqueue() }
        var request = InspectFilesRequest(paths: paths, category: category)
        request.neighbours = neighbours
        request.reportDirectory = report
        request.review = mllm
        request.reviewConcurrency = mllmConcurrency
        request.concurrency = runtime.threads
        try request.validate()
        let modules = moduleOptions.parsed
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "inspect", embedder: embedderOptions) { store, logger in
            guard mllm, let model = try mllmOptions.client(logger: logger) else { return nil }
            return ExpertPanel(model: model, knowledge: modules.knowledge ? KnowledgeGuide(store: store) : nil, modules: modules, logger: logger)
        }
        let bar = ProgressBar(label: "inspect")
        let json = output.json
        let outcome = try await app.inspectFiles(request) { stage, done, total in
            if !json, done % 8 == 0 || done == total { bar.update(done: done, total: total, detail: mllm ? stage : "") }
        }
        if !json { for warning in outcome.warnings { printError("warning: \(warning)") } }
        let result = outcome.report
        if json {
            try printJSON(result)
        } else {
            let reviewed = result.images.contains { $0.review != nil }
            print(Table(headers: ["image", "verdict", "score", "region", "nearest normal"] + (reviewed ? ["decided by", "explanation"] : []),
                        rows: result.images.map { image in
                guard let r = image.result else { return [image.path, "failed", "-", "-", image.error ?? ""] + (reviewed ? ["-", "-"] : []) }
                return [image.path, (image.verdict ?? r.verdict).rawValue, String(format: "%.3f", r.score), image.review?.region ?? r.region,
                        r.references.first.map { ($0.path as NSString).lastPathComponent } ?? "-"]
                    + (reviewed ? [image.review?.decidedBy ?? "-", image.review.map { String($0.explanation.prefix(100)) } ?? "-"] : [])
            }).rendered)
            print("run \(result.runID): \(result.count(.anomalous)) anomalous, \(result.count(.uncertain)) uncertain, \(result.count(.normal)) normal"
                  + (result.count(.uncalibrated) > 0 ? ", \(result.count(.uncalibrated)) uncalibrated" : "")
                  + ", \(result.failed) failed; threshold \(result.threshold.map { String(format: "%.3f", $0) } ?? "none")")
            if let drift = result.drift {
                if drift.drifted { printError("warning: score drift \(drift.message)") } else { print("score drift: \(drift.message)") }
            }
            if let path = result.reportPath { print("report: \(path)") }
        }
        if result.failed > 0 { throw ExitCode(1) }
        if result.count(.anomalous) + result.count(.uncertain) > 0 { throw ExitCode(3) }
    }

    /// `--queue`: stores the images and their jobs for workers; prints the run id.
    private func enqueue() throws {
        guard report == nil else { throw ValidationError("--report needs a run inspected here; drop --queue for an HTML report") }
        var request = EnqueueInspectionRequest(paths: paths, category: category)
        request.neighbours = neighbours
        request.review = mllm
        try request.validate()
        let app = try storeOptions.app(.readWrite, runtime: runtime, label: "inspect")
        let bar = ProgressBar(label: "enqueue")
        let json = output.json
        let run = try app.enqueueInspection(request) { done, total in
            if !json, done % 16 == 0 || done == total { bar.update(done: done, total: total, detail: "") }
        }
        if json {
            try printJSON(run)
        } else {
            print("run \(run.runID): \(run.queued) images queued" + (run.failed > 0 ? ", \(run.failed) unreadable (recorded as failed)" : "")
                  + "; start `echoctl worker` anywhere on this store, follow with `echoctl runs show \(run.runID)`")
        }
    }
}
