import EchoStore
import Foundation
import PostgresNIO

/// The inspection queue in PostgreSQL (`inspection_jobs`, migration 0002): jobs claimed
/// with `FOR UPDATE SKIP LOCKED` under a lease; a result recorded in the transaction that
/// marks its job done, only by the lease's holder, and at most once (`run_results.job_id`
/// is unique).
extension PostgresBackend: InspectionQueue {
    /// The channel an enqueue notifies at commit, so idle workers need not wait for their poll.
    public static let jobChannel = "echo_jobs"

    public func beginQueuedRun(categoryID: Int64, referenceSetVersion: Int64, threshold: Double?, settings: QueuedRunSettings,
                               at time: String) throws(StoreError) -> Int64 {
        let settingsText = try json(settings)
        return try write("starting a queued run") { session in
            try session.column(Int64.self, """
                INSERT INTO runs (category_id, reference_set_version, threshold, started_at, queued, settings, sealed)
                VALUES (\(categoryID), \(referenceSetVersion), \(threshold), \(time), true, \(settingsText)::jsonb, false) RETURNING id
                """)[0]
        }
    }

    public func enqueueImages(_ images: [QueuedImage], run: Int64, at time: String) throws(StoreError) {
        guard !images.isEmpty else { return }
        try write("enqueueing images") { session in
            // The run's row lock orders concurrent enqueuers of one run (positions stay unique).
            guard try !session.query("SELECT id FROM runs WHERE id = \(run) AND queued AND NOT sealed FOR UPDATE").isEmpty else {
                throw StoreError(.invalidArgument, "run \(run) is not a queued run being enqueued (it is sealed, or was inspected directly)")
            }
            let firstPosition = Int(try session.column(Int32.self, "SELECT coalesce(max(position) + 1, 0) FROM inspection_jobs WHERE run_id = \(run)").first ?? 0)
            for (offset, image) in images.enumerated() {
                try Self.storeImage(session, sha256: image.sha256, bytes: image.bytes, at: time)
                try session.query("""
                    INSERT INTO inspection_jobs (run_id, position, image_name, sha256)
                    VALUES (\(run), \(Int32(firstPosition + offset)), \(image.name), \(image.sha256))
                    """)
            }
        }
    }

    public func sealQueuedRun(_ run: Int64) throws(StoreError) {
        try write("opening a queued run to workers") { session in
            let sealed = try session.query("UPDATE runs SET sealed = true WHERE id = \(run) AND queued RETURNING id")
            guard !sealed.isEmpty else { throw StoreError(.invalidArgument, "no queued run has id \(run)") }
            try session.query("SELECT pg_notify(\(Self.jobChannel), \(String(run)))")
        }
    }

    public func claimJobs(worker: String, limit: Int, leaseSeconds: Double) throws(StoreError) -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let rows = try write("claiming jobs") { session in
            try session.query("""
                WITH picked AS (
                    SELECT j.id FROM inspection_jobs j JOIN runs r ON r.id = j.run_id
                    WHERE NOT j.done AND r.sealed AND (j.lease_expires_at IS NULL OR j.lease_expires_at < clock_timestamp())
                    ORDER BY j.id LIMIT \(Int64(limit))
                    FOR UPDATE OF j SKIP LOCKED
                )
                UPDATE inspection_jobs j
                SET lease_owner = \(worker), lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds)), attempts = j.attempts + 1
                FROM picked, runs r, categories c
                WHERE j.id = picked.id AND r.id = j.run_id AND c.id = r.category_id
                RETURNING j.id, j.run_id, c.name, j.image_name, j.sha256, j.attempts, r.settings::text
                """).map { try $0.decode((Int64, Int64, String, String, String, Int32, String?).self) }
        }
        return rows.sorted { $0.0 < $1.0 }.map { row in
            let settings = row.6.flatMap { try? JSONDecoder().decode(QueuedRunSettings.self, from: Data($0.utf8)) }
                ?? QueuedRunSettings(neighbours: 3, review: false)
            return ClaimedJob(id: row.0, runID: row.1, category: row.2, imageName: row.3, sha256: row.4, attempts: Int(row.5), settings: settings)
        }
    }

    public func renewLeases(_ jobIDs: [Int64], worker: String, leaseSeconds: Double) throws(StoreError) -> Set<Int64> {
        guard !jobIDs.isEmpty else { return [] }
        return Set(try write("renewing leases") { session in
            try session.column(Int64.self, """
                UPDATE inspection_jobs SET lease_expires_at = clock_timestamp() + make_interval(secs => \(leaseSeconds))
                WHERE id = ANY(\(jobIDs)) AND lease_owner = \(worker) AND NOT done RETURNING id
                """)
        })
    }

    public func completeJob(_ jobID: Int64, worker: String, result: RunResultRecord) throws(StoreError) -> JobCompletion {
        try write("recording a job's result") { session in
            // The run's row lock orders the completions of one run, so the last of them
            // sees every other one committed and counts no job left.
            guard let run = try session.column(Int64.self, """
                SELECT r.id FROM runs r JOIN inspection_jobs j ON j.run_id = r.id WHERE j.id = \(jobID) FOR UPDATE OF r
                """).first else {
                throw StoreError(.invalidArgument, "no job has id \(jobID)")
            }
            let taken = try session.query("""
                UPDATE inspection_jobs SET done = true, lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(jobID) AND NOT done AND lease_owner = \(worker) RETURNING id
                """)
            if !taken.isEmpty {
                try session.query("""
                    INSERT INTO run_results (run_id, image_path, verdict, score, background, result, job_id)
                    VALUES (\(run), \(result.imagePath), \(result.verdict), \(result.score), \(result.background), \(result.details), \(jobID))
                    """)
            }
            let remaining = try session.column(Int64.self, "SELECT count(*) FROM inspection_jobs WHERE run_id = \(run) AND NOT done").first ?? 0
            return JobCompletion(recorded: !taken.isEmpty, remaining: Int(remaining))
        }
    }

    public func finishQueuedRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?, at time: String) throws(StoreError) -> Bool {
        let summaryText = try json(summary)
        let driftText: String? = try drift.map { drift throws(StoreError) in try json(drift) }
        return try write("finishing a queued run") { session in
            try !session.query("""
                UPDATE runs SET finished_at = \(time), summary = \(summaryText)::jsonb, drift = \(driftText)::jsonb
                WHERE id = \(run) AND queued AND finished_at IS NULL RETURNING id
                """).isEmpty
        }
    }

    public func completeUnfinishedRuns() throws(StoreError) -> [Int64] {
        try statement("finding finished queued runs") { session in
            try session.column(Int64.self, """
                SELECT r.id FROM runs r WHERE r.queued AND r.sealed AND r.finished_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM inspection_jobs j WHERE j.run_id = r.id AND NOT j.done) ORDER BY r.id
                """)
        }
    }

    public func pendingJobCount() throws(StoreError) -> Int {
        Int(try statement("counting jobs") { session in
            try session.column(Int64.self, """
                SELECT count(*) FROM inspection_jobs j JOIN runs r ON r.id = j.run_id WHERE NOT j.done AND r.sealed
                """).first ?? 0
        })
    }

    public func runStatus(_ run: Int64) throws(StoreError) -> RunStatus? {
        let rows = try statement("reading a run") { session in
            try session.query("""
                SELECT r.id, c.name, r.reference_set_version, r.threshold, r.started_at, r.finished_at, r.summary::text, r.queued, r.sealed,
                       (SELECT count(*) FROM inspection_jobs WHERE run_id = r.id)
                         + (SELECT count(*) FROM run_results WHERE run_id = r.id AND job_id IS NULL),
                       (SELECT count(*) FROM run_results WHERE run_id = r.id),
                       (SELECT count(*) FROM inspection_jobs WHERE run_id = r.id AND NOT done AND lease_expires_at > clock_timestamp())
                FROM runs r JOIN categories c ON c.id = r.category_id WHERE r.id = \(run)
                """).map { try $0.decode((Int64, String, Int64, Double?, String, String?, String, Bool, Bool, Int64, Int64, Int64).self) }
        }
        guard let row = rows.first else { return nil }
        let summary = (try? JSONDecoder().decode([String: Int].self, from: Data(row.6.utf8))) ?? [:]
        let state: RunState = row.5 != nil ? .finished : (row.8 ? .running : .enqueuing)
        return RunStatus(id: row.0, category: row.1, referenceSetVersion: row.2, threshold: row.3, startedAt: row.4, finishedAt: row.5,
                         summary: summary, queued: row.7, state: state, images: Int(row.7 ? row.9 : row.10), recorded: Int(row.10),
                         inProgress: Int(row.11))
    }

    public func runs(categoryID: Int64?, limit: Int, offset: Int) throws(StoreError) -> [RunStatus] {
        let ids = try statement("listing runs") { session in
            if let categoryID {
                try session.column(Int64.self, "SELECT id FROM runs WHERE category_id = \(categoryID) ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)")
            } else {
                try session.column(Int64.self, "SELECT id FROM runs ORDER BY id DESC LIMIT \(limit) OFFSET \(offset)")
            }
        }
        // A run listing is a page of tens; each status is one indexed read.
        var statuses: [RunStatus] = []
        for id in ids { if let status = try runStatus(id) { statuses.append(status) } }
        return statuses
    }
}
