import EchoStore
import EchoVision
import Foundation

/// The service's Prometheus metrics: request counts and latency histograms by route,
/// ingest and inspect durations, and (read at scrape time) references and index sizes
/// per category. Text exposition format 0.0.4.
public final class ServiceMetrics: @unchecked Sendable {
    /// Histogram bucket upper bounds, in seconds.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct Histogram {
        var counts = [Int](repeating: 0, count: ServiceMetrics.buckets.count)
        var sum = 0.0
        var count = 0

        mutating func observe(_ value: Double) {
            for (i, bound) in ServiceMetrics.buckets.enumerated() where value <= bound { counts[i] += 1 }
            sum += value
            count += 1
        }
    }

    private let lock = NSLock()
    private var requests: [[String]: Int] = [:]           // [route, method, status]
    private var latencies: [[String]: Histogram] = [:]    // [route, method]
    private var operations: [String: Histogram] = [:]     // ingest, inspect, query

    public init() {}

    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        lock.withLock {
            requests[[route, method, String(status)], default: 0] += 1
            latencies[[route, method], default: Histogram()].observe(seconds)
        }
    }

    /// Records how long one ingest, inspect or query took (the work, not the HTTP exchange).
    func recordOperation(_ name: String, seconds: Double) {
        lock.withLock { operations[name, default: Histogram()].observe(seconds) }
    }

    /// The exposition text, with the store's per-category figures read now.
    func render(store: ReferenceStore) -> String {
        var lines: [String] = []
        let (requests, latencies, operations) = lock.withLock { (self.requests, self.latencies, self.operations) }
        lines.append("# HELP echo_http_requests_total HTTP requests by route, method and status.")
        lines.append("# TYPE echo_http_requests_total counter")
        for key in requests.keys.sorted(by: { $0.joined() < $1.joined() }) {
            lines.append("echo_http_requests_total{route=\"\(escape(key[0]))\",method=\"\(key[1])\",status=\"\(key[2])\"} \(requests[key]!)")
        }
        lines.append("# HELP echo_http_request_duration_seconds HTTP request durations by route and method.")
        lines.append("# TYPE echo_http_request_duration_seconds histogram")
        for key in latencies.keys.sorted(by: { $0.joined() < $1.joined() }) {
            lines += histogram("echo_http_request_duration_seconds", labels: "route=\"\(escape(key[0]))\",method=\"\(key[1])\"", latencies[key]!)
        }
        for (name, help) in [("ingest", "Ingest work per image"), ("inspect", "Inspection work per image"), ("query", "Query work per image")] {
            lines.append("# HELP echo_\(name)_duration_seconds \(help), decode to commit or answer.")
            lines.append("# TYPE echo_\(name)_duration_seconds histogram")
            lines += histogram("echo_\(name)_duration_seconds", labels: nil, operations[name] ?? Histogram())
        }
        if let statistics = try? ScoreDrift.annotating(store.statistics(measuringRecall: false), in: store) {
            lines.append("# HELP echo_references Live references per category.")
            lines.append("# TYPE echo_references gauge")
            for category in statistics { lines.append("echo_references{category=\"\(escape(category.name))\"} \(category.liveReferences)") }
            lines.append("# HELP echo_index_vectors Vectors in each category's FAISS index.")
            lines.append("# TYPE echo_index_vectors gauge")
            for category in statistics { lines.append("echo_index_vectors{category=\"\(escape(category.name))\"} \(category.indexedVectors)") }
            lines.append("# HELP echo_index_file_bytes Size of each category's saved index file.")
            lines.append("# TYPE echo_index_file_bytes gauge")
            for category in statistics { lines.append("echo_index_file_bytes{category=\"\(escape(category.name))\"} \(category.indexFileBytes ?? 0)") }
            let drifts = statistics.compactMap { category in category.scoreDrift.map { (category.name, $0) } }
            for (name, help, value) in Self.driftGauges {
                lines.append("# HELP echo_score_drift_\(name) \(help)")
                lines.append("# TYPE echo_score_drift_\(name) gauge")
                for (category, drift) in drifts {
                    if let value = value(drift) { lines.append("echo_score_drift_\(name){category=\"\(escape(category))\"} \(value)") }
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The score-drift gauges: recent normal scores against the calibration's (`ScoreDrift.recent`).
    static let driftGauges: [(String, String, @Sendable (ScoreDrift) -> Double?)] = [
        ("ks_statistic", "One-sided Kolmogorov-Smirnov D+ of recent normal scores above the calibration's.", { $0.ksStatistic }),
        ("p_value", "P-value of that statistic (small: the normal scores have risen).", { $0.pValue }),
        ("normal_median", "Median of recent normal scores.", { $0.normalMedian }),
        ("calibration_median", "Median of the calibration's leave-one-out scores below the normal cut.", { $0.calibrationMedian }),
        ("normal_scores", "Recent normal scores compared.", { Double($0.normalScores) }),
        ("background_ks_statistic", "One-sided Kolmogorov-Smirnov D+ of recent background levels (median patch distance) above the golden samples'.", { $0.backgroundKSStatistic }),
        ("background_p_value", "P-value of that statistic (small: the background level has risen).", { $0.backgroundPValue }),
        ("background_median", "Median background level of recent images.", { $0.backgroundMedian }),
        ("calibration_background_median", "Median background level of the golden samples' leave-one-out maps.", { $0.calibrationBackgroundMedian }),
        ("detected", "1 when drift is detected (either statistic with p < 0.01 on enough images).", { $0.drifted ? 1 : 0 }),
    ]

    private func histogram(_ name: String, labels: String?, _ histogram: Histogram) -> [String] {
        let prefix = labels.map { $0 + "," } ?? ""
        var lines = zip(Self.buckets, histogram.counts).map { "\(name)_bucket{\(prefix)le=\"\($0)\"} \($1)" }
        lines.append("\(name)_bucket{\(prefix)le=\"+Inf\"} \(histogram.count)")
        let suffix = labels.map { "{\($0)}" } ?? ""
        lines.append("\(name)_sum\(suffix) \(histogram.sum)")
        lines.append("\(name)_count\(suffix) \(histogram.count)")
        return lines
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
