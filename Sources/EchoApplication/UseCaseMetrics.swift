import CoreMetrics

/// The timings and counts the use cases record through swift-metrics, to whichever
/// factory the adapter passes (the service's Prometheus registry; none for a CLI run).
/// Names are Prometheus-style; durations are histograms in seconds.
public enum UseCaseMetrics {
    /// One uploaded golden sample: decode, store, embed, commit, screen.
    public static let ingestUpload = "echo_ingest_duration_seconds"
    /// One `ingestFiles` call (a batch of files).
    public static let ingestFiles = "echo_ingest_files_duration_seconds"
    /// Images an ingest looked at, by outcome (`status`: added, duplicate, failed).
    public static let ingestedImages = "echo_ingested_images_total"
    /// One nearest-normals query: decode, embed, search.
    public static let query = "echo_query_duration_seconds"
    /// One uploaded image inspected: decode, score, review when asked, record.
    public static let inspectUpload = "echo_inspect_duration_seconds"
    /// One `inspectFiles` run.
    public static let inspectFiles = "echo_inspect_run_duration_seconds"
    /// Images inspected, by final verdict (`verdict`: normal, anomalous, uncertain, uncalibrated, failed).
    public static let inspectedImages = "echo_inspected_images_total"
    /// One `enqueueInspection`: files read and stored, jobs created.
    public static let enqueueInspection = "echo_enqueue_duration_seconds"
    /// Jobs a worker finished, by outcome (`outcome`: recorded, lost — its lease went to
    /// another worker first —, gave_up after too many attempts).
    public static let workerJobs = "echo_worker_jobs_total"
}

extension EchoApp {
    /// Runs `body` and records its duration under `label` (also when it throws).
    func timed<T, E: Error>(_ label: String, _ body: () throws(E) -> T) throws(E) -> T {
        let started = ContinuousClock.now
        defer { record(label, since: started) }
        return try body()
    }

    /// The async form of `timed`.
    func timed<T, E: Error>(_ label: String, _ body: () async throws(E) -> T) async throws(E) -> T {
        let started = ContinuousClock.now
        defer { record(label, since: started) }
        return try await body()
    }

    private func record(_ label: String, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        Timer(label: label, dimensions: [], preferredDisplayUnit: .seconds, factory: metrics).recordNanoseconds(nanoseconds)
    }

    /// Adds `amount` to the counter `label` with `dimensions`.
    func count(_ label: String, _ dimensions: [(String, String)], by amount: Int = 1) {
        guard amount > 0 else { return }
        Counter(label: label, dimensions: dimensions, factory: metrics).increment(by: amount)
    }
}
