import EchoImaging
import EchoStore
import Foundation
import Logging

/// Writes a run's HTML report: a summary, then each image beside its nearest normal and
/// its anomaly overlay. File names inside the report are generated (`0001-query.png`),
/// never taken from user input.
struct ReportWriter {
    let directory: String
    let logger: Logger
    /// Where the nearest normals' images come from (the database on PostgreSQL, so a node
    /// on another machine shows them too); their paths when it has none.
    var store: ReferenceStore?

    /// Writes `index.html` and the PNGs; returns the HTML file's path.
    func write(runID: Int64, category: String, threshold: Float?, drift: ScoreDrift?, images: [(InspectedImage, Image?)]) throws -> String {
        let imagesDirectory = directory + "/images"
        try FileManager.default.createDirectory(atPath: imagesDirectory, withIntermediateDirectories: true)
        var rows: [String] = []
        var counts: [String: Int] = [:]
        for (number, (inspected, image)) in images.enumerated() {
            let stem = String(format: "%04d", number + 1)
            guard let result = inspected.result, let image else {
                counts["failed", default: 0] += 1
                rows.append("<tr class=\"failed\"><td>\(HTMLText.escape(inspected.path))</td><td colspan=\"3\">\(HTMLText.escape(inspected.error ?? "failed"))</td><td>failed</td><td></td><td></td></tr>")
                continue
            }
            let verdict = inspected.verdict ?? result.verdict
            counts[verdict.rawValue, default: 0] += 1
            try ImageEncoder.writePNG(try HeatmapRenderer.thumbnail(image, maxSide: 240), toPath: "\(imagesDirectory)/\(stem)-query.png")
            let scale = result.threshold ?? result.anomalyMap.maximum
            try ImageEncoder.writePNG(try HeatmapRenderer.overlay(image, map: result.anomalyMap, scale: scale, maxSide: 240),
                                      toPath: "\(imagesDirectory)/\(stem)-overlay.png")
            var normalCell = "<td>(not readable)</td>"
            if let nearest = result.references.first, let normal = normalImage(nearest) {
                try ImageEncoder.writePNG(try HeatmapRenderer.thumbnail(normal, maxSide: 240), toPath: "\(imagesDirectory)/\(stem)-normal.png")
                normalCell = "<td><img src=\"images/\(stem)-normal.png\" alt=\"nearest normal\"><br><small>\(HTMLText.escape((nearest.path as NSString).lastPathComponent)) · \(String(format: "%.3f", nearest.similarity))</small></td>"
            }
            var explanation = HTMLText.escape(result.explanation)
            if let review = inspected.review {
                explanation = "<strong>\(HTMLText.escape(review.decidedBy)):</strong> \(HTMLText.escape(review.explanation))"
                    + (review.defect.map { "<br>Defect: \(HTMLText.escape($0))" } ?? "")
                    + (review.reasoning.map { "<details><summary>reasoning</summary><pre>\(HTMLText.escape($0))</pre></details>" } ?? "")
                    + "<br><small>Vision expert: \(HTMLText.escape(result.explanation))</small>"
            }
            rows.append("""
                <tr class="\(verdict.rawValue)"><td><img src="images/\(stem)-query.png" alt="query"><br><small>\(HTMLText.escape((inspected.path as NSString).lastPathComponent))</small></td>\(normalCell)<td><img src="images/\(stem)-overlay.png" alt="anomaly overlay"></td>
                <td class="verdict">\(verdict.rawValue)</td><td>\(String(format: "%.3f", result.score))</td><td>\(HTMLText.escape(inspected.review?.region ?? result.region))</td><td>\(explanation)</td></tr>
                """)
        }
        let summary = ["anomalous", "uncertain", "normal", "uncalibrated", "failed"].compactMap { key in
            counts[key].map { "<li><span class=\"\(key)\">\(key)</span>: \($0)</li>" }
        }.joined()
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Echo run \(runID) — \(HTMLText.escape(category))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            td,th{border-bottom:1px solid #ddd;padding:.5em;vertical-align:top;text-align:left}img{max-width:240px}
            .anomalous .verdict,span.anomalous{color:#c00;font-weight:bold}.uncertain .verdict,span.uncertain{color:#b70;font-weight:bold}
            .normal .verdict,span.normal{color:#070}.drift{color:#c00;font-weight:bold}.failed{color:#888}pre{white-space:pre-wrap;max-width:40em}
            </style></head><body>
            <h1>Inspection run \(runID): \(HTMLText.escape(category))</h1>
            <p>Threshold: \(threshold.map { String(format: "%.3f", $0) } ?? "none (run <code>echoctl calibrate</code>)") · \(images.count) images · overlay: blue matches the golden samples, yellow is the threshold, red is far above it.</p>
            <ul>\(summary)</ul>
            \(drift.map { "<p class=\"\($0.drifted ? "drift" : "steady")\">Score drift: \(HTMLText.escape($0.message)).</p>" } ?? "")
            <table><tr><th>image</th><th>nearest normal</th><th>anomaly</th><th>verdict</th><th>score</th><th>region</th><th>explanation</th></tr>
            \(rows.joined(separator: "\n"))
            </table></body></html>
            """
        let path = directory + "/index.html"
        try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        logger.info("wrote the report", metadata: ["report.path": "\(path)"])
        return path
    }

    /// The nearest normal's image: the store's copy, else the file at its path.
    private func normalImage(_ reference: ReferenceUsed) -> Image? {
        if let bytes = try? store?.referenceImage(id: reference.id).bytes, let image = try? ImageDecoder().decode(bytes) { return image }
        return try? ImageDecoder().decodeFile(atPath: reference.path)
    }
}
