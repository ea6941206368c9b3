import CoreMetrics
import EchoApplication
import EchoConcurrency
import EchoStore
import EchoVision
import Foundation
import Prometheus

/// The service's metrics, through swift-metrics into a Prometheus registry of its own
/// (swift-prometheus): the use cases' timings and counts (`UseCaseMetrics`, recorded by
/// `EchoApp` itself), HTTP requests and latencies by route, and, set at scrape time,
/// references, index sizes and score drift per category. Each service has its own
/// registry, so several services in one process (the tests) never mix their figures.
public final class ServiceMetrics: Sendable {
    /// Where the metrics are kept.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory over `registry`, given to the use cases.
    public let factory: PrometheusMetricsFactory
    /// The categories whose gauges the last scrape set, to drop those of categories gone since.
    private let gaugedCategories = Protected<Set<String>>([])

    /// Histogram buckets for durations, 1 ms to 30 s.
    static let buckets: [Duration] = [.milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.buckets
        self.factory = factory
    }

    /// Records one HTTP exchange.
    func recordRequest(route: String, method: String, status: Int, seconds: Double) {
        Counter(label: "echo_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
        Timer(label: "echo_http_request_duration_seconds", dimensions: [("route", route), ("method", method)], preferredDisplayUnit: .seconds,
              factory: factory).recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The exposition text, with the store's per-category figures read now.
    func render(store: ReferenceStore) -> String {
        if let statistics = try? ScoreDrift.annotating(store.statistics(measuringRecall: false), in: store) {
            setGauges(statistics)
        }
        return registry.emitToString()
    }

    private func setGauges(_ statistics: [CategoryStatistics]) {
        let names = Set(statistics.map(\.name))
        let gone = gaugedCategories.withLock { previous in
            defer { previous = names }
            return previous.subtracting(names)
        }
        for category in gone {
            for (name, _, _) in Self.categoryGauges { registry.unregisterGauge(gauge(name, category)) }
            for (name, _, _) in Self.driftGauges { registry.unregisterGauge(gauge("echo_score_drift_\(name)", category)) }
        }
        for category in statistics {
            for (name, _, value) in Self.categoryGauges { gauge(name, category.name).set(value(category)) }
            guard let drift = category.scoreDrift else { continue }
            for (name, _, value) in Self.driftGauges {
                if let value = value(drift) { gauge("echo_score_drift_\(name)", category.name).set(value) }
            }
        }
    }

    private func gauge(_ name: String, _ category: String) -> Prometheus.Gauge {
        let help = (Self.categoryGauges.first { $0.0 == name }?.1) ?? (Self.driftGauges.first { "echo_score_drift_\($0.0)" == name }?.1) ?? ""
        return registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: [("category", category)])
    }

    /// Per-category figures.
    static let categoryGauges: [(String, String, @Sendable (CategoryStatistics) -> Double)] = [
        ("echo_references", "Live references per category.", { Double($0.liveReferences) }),
        ("echo_index_vectors", "Vectors in each category's FAISS index.", { Double($0.indexedVectors) }),
        ("echo_index_file_bytes", "Size of each category's saved index file.", { Double($0.indexFileBytes ?? 0) }),
    ]

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
}
