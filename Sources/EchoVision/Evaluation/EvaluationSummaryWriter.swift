import Foundation

/// Writes a dataset evaluation as one self-contained HTML page: the metric table per
/// category and the mean, then each category's most anomalous normal and least anomalous
/// defective images (the ones a person should look at first).
public enum EvaluationSummaryWriter {
    /// Writes the page to `path`.
    /// - Throws: `DatasetError.output` when the file cannot be written.
    public static func write(_ evaluation: DatasetEvaluation, to path: String) throws(DatasetError) {
        do {
            try html(evaluation).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw DatasetError(.output, "cannot write the summary \(path): \(error.localizedDescription)")
        }
    }

    static func html(_ evaluation: DatasetEvaluation) -> String {
        func cell(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
        let escape = HTMLText.escape
        var rows = evaluation.categories.map { m in
            "<tr><td>\(escape(m.category))</td><td>\(m.trainingImages)</td><td>\(m.testNormal)/\(m.testAnomalous)</td>"
                + "<td>\(cell(m.imageAUROC))</td><td>\(cell(m.pixelAUROC))</td><td>\(cell(m.aupro))</td><td>\(cell(m.imageF1Max))</td>"
                + "<td>\(cell(m.falsePositiveRate))</td><td>\(cell(m.truePositiveRate))</td></tr>"
        }
        let mean = evaluation.mean
        rows.append("<tr class=\"mean\"><td>mean</td><td></td><td></td><td>\(cell(mean["imageAUROC"]))</td><td>\(cell(mean["pixelAUROC"]))</td>"
                    + "<td>\(cell(mean["aupro"]))</td><td>\(cell(mean["imageF1Max"]))</td><td>\(cell(mean["falsePositiveRate"]))</td>"
                    + "<td>\(cell(mean["truePositiveRate"]))</td></tr>")
        var hardest = ""
        for category in evaluation.categories {
            let samples = evaluation.samples.filter { $0.category == category.category }
            let normals = samples.filter { !$0.isAnomalous }.sorted { $0.score > $1.score }.prefix(5)
            let defects = samples.filter(\.isAnomalous).sorted { $0.score < $1.score }.prefix(5)
            let items = (normals.map { ("normal scored high", $0) } + defects.map { ("defect scored low", $0) }).map { label, sample in
                "<li>\(label): <code>\(escape(sample.path))</code> score \(String(format: "%.3f", sample.score)) (\(sample.verdict))</li>"
            }
            hardest += "<h2>\(escape(category.category)) — threshold \(String(format: "%.3f", category.threshold))</h2><ul>\(items.joined())</ul>"
        }
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Echo evaluation: \(escape(evaluation.root))</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}
            td:first-child,th:first-child{text-align:left}tr.mean{font-weight:bold}code{font-size:12px}</style></head><body>
            <h1>Echo evaluation</h1><p>\(escape(evaluation.root)) (\(escape(evaluation.layout)) layout). Pixel metrics on maps at each image's own size;
            AUPRO up to FPR 0.3, normalised; FPR/TPR at the threshold calibrated from the training normals alone.</p>
            <table><tr><th>category</th><th>train</th><th>test normal/defective</th><th>image AUROC</th><th>pixel AUROC</th><th>AUPRO@0.3</th>
            <th>F1-max</th><th>FPR@thr</th><th>TPR@thr</th></tr>\(rows.joined(separator: "\n"))</table>\(hardest)</body></html>
            """
    }
}
