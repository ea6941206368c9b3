import EchoImaging
import EchoStore
import Foundation
import Logging

/// Writes a golden-set audit as an HTML page: the outliers (and the highest-scoring
/// others, up to `shown`) with their image and anomaly overlay, then a table of every
/// golden sample. Overlays are drawn with yellow at the outlier line (median + cutoff ×
/// robust deviation). File names inside are generated, never taken from user input.
public struct AuditReportWriter: Sendable {
    public let directory: String
    public let logger: Logger
    /// Samples drawn with images: every outlier, then the highest others up to this many.
    public var shown = 12
    /// Where the golden samples' images come from (the database on PostgreSQL); their
    /// source paths when it has none.
    public var store: ReferenceStore?

    public init(directory: String, logger: Logger, store: ReferenceStore? = nil) {
        self.directory = directory
        self.logger = logger
        self.store = store
    }

    /// Writes `index.html` and the PNGs; returns the HTML file's path.
    /// - Throws: `ImagingError` when an overlay cannot be encoded; file-system errors.
    public func write(_ audit: GoldenSetAudit) throws -> String {
        let imagesDirectory = directory + "/images"
        try FileManager.default.createDirectory(atPath: imagesDirectory, withIntermediateDirectories: true)
        let line = Float(audit.median + audit.cutoff * audit.robustDeviation)
        let drawn = audit.outliers.count >= shown ? audit.outliers : Array(audit.entries.prefix(max(shown, audit.outliers.count)))
        var cards: [String] = []
        let decoder = ImageDecoder()
        for (number, entry) in drawn.enumerated() {
            let stem = String(format: "%04d", number + 1)
            var pictures = "<p>(image not readable at \(HTMLText.escape(entry.reference.sourcePath)))</p>"
            let stored = (try? store?.referenceImage(id: entry.reference.id).bytes).flatMap { try? decoder.decode($0) }
            if let image = stored ?? (try? decoder.decodeFile(atPath: entry.reference.sourcePath)) {
                try ImageEncoder.writePNG(try HeatmapRenderer.thumbnail(image, maxSide: 240), toPath: "\(imagesDirectory)/\(stem)-image.png")
                try ImageEncoder.writePNG(try HeatmapRenderer.overlay(image, map: entry.anomalyMap, scale: line, maxSide: 240),
                                          toPath: "\(imagesDirectory)/\(stem)-overlay.png")
                pictures = "<img src=\"images/\(stem)-image.png\" alt=\"golden sample\"><img src=\"images/\(stem)-overlay.png\" alt=\"anomaly overlay\">"
            }
            cards.append("""
                <div class="card\(entry.isOutlier ? " outlier" : "")"><h3>#\(entry.reference.id) \(HTMLText.escape((entry.reference.sourcePath as NSString).lastPathComponent))</h3>
                \(pictures)<p>score \(String(format: "%.4f", entry.score)) · robust z \(String(format: "%.1f", entry.robustZ)) · \(HTMLText.escape(entry.region))\(entry.isOutlier ? " · <strong>outlier</strong>" : "")\(entry.exclusion != nil ? " · excluded from calibration" : "")</p></div>
                """)
        }
        let rows = audit.entries.map { entry in
            "<tr class=\"\(entry.isOutlier ? "outlier" : "")\"><td>\(entry.reference.id)</td><td>\(HTMLText.escape(entry.reference.sourcePath))</td>"
                + "<td>\(String(format: "%.4f", entry.score))</td><td>\(String(format: "%.1f", entry.robustZ))</td><td>\(entry.isOutlier ? "outlier" : "")</td>"
                + "<td>\(entry.exclusion.map { HTMLText.escape($0.reason) } ?? "")</td></tr>"
        }
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Echo golden-set audit — \(HTMLText.escape(audit.category))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}img{max-width:240px;margin-right:.5em}
            .card{display:inline-block;vertical-align:top;margin:0 1em 1em 0;padding:.5em;border:1px solid #ddd}
            .outlier{border-color:#c00}tr.outlier td{color:#c00;font-weight:bold}h3{font-size:1em;margin:.2em 0}
            </style></head><body>
            <h1>Golden-set audit: \(HTMLText.escape(audit.category))</h1>
            <p>\(audit.entries.count) golden samples scored leave-one-out (\(HTMLText.escape(audit.scoring))): median \(String(format: "%.4f", audit.median)), robust deviation \(String(format: "%.4f", audit.robustDeviation)); an outlier scores more than \(String(format: "%.1f", audit.cutoff)) robust deviations above the median (\(String(format: "%.4f", line)), drawn yellow in the overlays).</p>
            <p><strong>\(audit.outliers.count) outlier\(audit.outliers.count == 1 ? "" : "s")</strong>: likely defective “normals”. Look at each; remove a defective one with <code>echoctl remove ID</code>, or leave the outliers out of calibration with <code>echoctl audit -c \(HTMLText.escape(audit.category)) --exclude</code>.</p>
            \(cards.joined(separator: "\n"))
            <h2>Every golden sample</h2>
            <table><tr><th>id</th><th>path</th><th>score</th><th>robust z</th><th></th><th>excluded</th></tr>
            \(rows.joined(separator: "\n"))
            </table></body></html>
            """
        let path = directory + "/index.html"
        try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        logger.info("wrote the audit page", metadata: ["report.path": "\(path)"])
        return path
    }
}
