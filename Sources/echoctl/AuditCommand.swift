import ArgumentParser
import EchoApplication
import EchoReferences
import EchoStore
import EchoVision
import Foundation

/// `echoctl audit --category C`: find golden samples that score like defects.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score every golden sample leave-one-out and list the outliers: likely defective \"normals\" that inflate the threshold.",
        discussion: """
            Scores each golden sample against its nearest other golden samples, as calibration does (with the \
            calibration's neighbours and image score when there is one), and marks as outliers those more than --cutoff \
            robust deviations (MAD / 0.6745) above the median. --report writes an HTML page with their images and heatmaps. \
            --exclude leaves the outliers out of calibration (they stay references; `echoctl remove ID` deletes one) and \
            recalibrates; --readmit returns samples to calibration. Exit code 3 when there are outliers not yet excluded.
            """)

    @Option(name: .shortAndLong, help: "The product (category).") var category: String
    @Option(help: "Robust z-score above which a golden sample is an outlier.") var cutoff = GoldenSetAudit.defaultCutoff
    @Option(help: "Write an HTML page with the outliers' images and heatmaps into this directory.") var report: String?
    @Flag(help: "Leave the outliers found out of calibration, then recalibrate.") var exclude = false
    @Option(parsing: .upToNextOption, help: "Return these golden samples (ids) to calibration, then recalibrate.") var readmit: [Int64] = []
    @Option(help: "Quantile of the scores used as threshold when recalibrating.") var quantile = 0.95
    @OptionGroup var embedderOptions: EmbedderOptions
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var runtime: RuntimeOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        var request = AuditRequest(category: category)
        request.cutoff = cutoff
        request.exclude = exclude
        request.readmit = readmit
        request.quantile = quantile
        request.reportDirectory = report
        request.concurrency = runtime.threads
        try request.validate()
        let app = try storeOptions.app(request.writes ? .readWrite : .readOnly, runtime: runtime, label: "audit", embedder: embedderOptions)
        let outcome = try app.audit(request)
        if output.json {
            try printJSON(outcome)
        } else {
            print(summary(outcome))
        }
        if outcome.audit.outliers.contains(where: { $0.exclusion == nil }) { throw ExitCode(3) }
    }

    private func summary(_ outcome: AuditOutcome) -> String {
        let audit = outcome.audit
        var lines = ["\(category): \(audit.entries.count) golden samples, median score \(String(format: "%.4f", audit.median)), "
            + "robust deviation \(String(format: "%.4f", audit.robustDeviation)); \(audit.outliers.count) outlier\(audit.outliers.count == 1 ? "" : "s") above z \(String(format: "%.1f", audit.cutoff))"]
        if !audit.outliers.isEmpty {
            lines.append(Table(headers: ["id", "score", "robust z", "region", "calibration", "path"], rows: audit.outliers.map {
                [String($0.reference.id), String(format: "%.4f", $0.score), String(format: "%.1f", $0.robustZ), $0.region,
                 $0.exclusion == nil ? "included" : "excluded", $0.reference.sourcePath]
            }).rendered)
        }
        let excludedOthers = audit.entries.filter { !$0.isOutlier && $0.exclusion != nil }
        if !excludedOthers.isEmpty {
            lines.append("also excluded from calibration, no longer outliers: " + excludedOthers.map { String($0.reference.id) }.joined(separator: ", ")
                + " (return them with --readmit)")
        }
        if let calibration = outcome.calibration {
            lines.append("recalibrated: threshold \(String(format: "%.4f", calibration.threshold)) (\(calibration.method))")
        } else if audit.outliers.contains(where: { $0.exclusion == nil }) {
            lines.append("look at them (--report DIR); remove a defective one with `echoctl remove ID`, or leave them out of calibration with --exclude")
        }
        if let path = outcome.reportPath { lines.append("report: \(path)") }
        return lines.joined(separator: "\n")
    }
}
