import EchoStore
import Foundation
import PostgresNIO

extension PostgresBackend {
    public func saveCalibration(_ calibration: Calibration, categoryID: Int64) throws(StoreError) {
        let scores = try json(calibration.scores)
        let backgrounds = try json(calibration.backgrounds)
        try write("saving a calibration") { session in
            try session.query("""
                INSERT INTO calibrations (category_id, reference_set_version, threshold, method, neighbours, scores, computed_at, scoring, backgrounds)
                VALUES (\(categoryID), \(calibration.referenceSetVersion), \(calibration.threshold), \(calibration.method),
                        \(Int32(calibration.neighbours)), \(scores)::jsonb, \(calibration.computedAt), \(calibration.scoring), \(backgrounds)::jsonb)
                ON CONFLICT (category_id) DO UPDATE SET reference_set_version = excluded.reference_set_version, threshold = excluded.threshold,
                    method = excluded.method, neighbours = excluded.neighbours, scores = excluded.scores, computed_at = excluded.computed_at,
                    scoring = excluded.scoring, backgrounds = excluded.backgrounds
                WHERE calibrations.reference_set_version <= excluded.reference_set_version
                """)
            if let newer = try session.column(Int64.self, """
                SELECT reference_set_version FROM calibrations WHERE category_id = \(categoryID) AND reference_set_version > \(calibration.referenceSetVersion)
                """).first {
                throw StoreError.newerResult("calibration", of: calibration.category, stored: newer, attempted: calibration.referenceSetVersion)
            }
        }
    }

    public func calibration(categoryID: Int64, categoryName: String) throws(StoreError) -> Calibration? {
        let row = try statement("reading a calibration") { session in
            try session.query("""
                SELECT reference_set_version, threshold, method, neighbours, scores::text, computed_at, scoring, backgrounds::text
                FROM calibrations WHERE category_id = \(categoryID)
                """).first.map { try $0.decode((Int64, Double, String, Int32, String, String, String, String).self) }
        }
        guard let (version, threshold, method, neighbours, scoresText, computedAt, scoring, backgroundsText) = row else { return nil }
        let scores = (try? JSONDecoder().decode([Double].self, from: Data(scoresText.utf8))) ?? []
        let backgrounds = (try? JSONDecoder().decode([Double].self, from: Data(backgroundsText.utf8))) ?? []
        return Calibration(category: categoryName, referenceSetVersion: version, threshold: threshold, method: method,
                           neighbours: Int(neighbours), scores: scores, computedAt: computedAt, scoring: scoring, backgrounds: backgrounds)
    }

    public func excludeFromCalibration(_ reasons: [Int64: String], at time: String) throws(StoreError) {
        try write("excluding references from calibration") { session in
            for (id, reason) in reasons.sorted(by: { $0.key < $1.key }) {
                try session.query("""
                    INSERT INTO calibration_exclusions (reference_id, reason, excluded_at) VALUES (\(id), \(reason), \(time))
                    ON CONFLICT (reference_id) DO UPDATE SET reason = excluded.reason, excluded_at = excluded.excluded_at
                    """)
            }
        }
    }

    public func readmitToCalibration(_ ids: [Int64]) throws(StoreError) -> [Int64] {
        let unique = Array(Set(ids)).sorted()
        return try write("readmitting references to calibration") { session in
            try session.column(Int64.self, "DELETE FROM calibration_exclusions WHERE reference_id = ANY(\(unique)) RETURNING reference_id").sorted()
        }
    }

    public func calibrationExclusions(categoryID: Int64) throws(StoreError) -> [Int64: CalibrationExclusion] {
        let rows = try statement("reading calibration exclusions") { session in
            try session.query("""
                SELECT e.reference_id, e.reason, e.excluded_at FROM calibration_exclusions e
                JOIN reference_images r ON r.id = e.reference_id
                WHERE r.category_id = \(categoryID) AND r.deleted_pos IS NULL
                """).map { try $0.decode((Int64, String, String).self) }
        }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, CalibrationExclusion(referenceID: $0.0, reason: $0.1, excludedAt: $0.2)) })
    }

    // MARK: runs

    public func beginRun(categoryID: Int64, referenceSetVersion: Int64, threshold: Double?, at time: String) throws(StoreError) -> Int64 {
        try write("starting a run") { session in
            try session.column(Int64.self, """
                INSERT INTO runs (category_id, reference_set_version, threshold, started_at)
                VALUES (\(categoryID), \(referenceSetVersion), \(threshold), \(time)) RETURNING id
                """)[0]
        }
    }

    public func recordResults(_ results: [RunResultRecord], run: Int64) throws(StoreError) {
        try write("recording results") { session in
            for result in results {
                try session.query("""
                    INSERT INTO run_results (run_id, image_path, verdict, score, background, result)
                    VALUES (\(run), \(result.imagePath), \(result.verdict), \(result.score), \(result.background), \(result.details))
                    """)
            }
        }
    }

    public func finishRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?, at time: String) throws(StoreError) {
        let summaryText = try json(summary)
        let driftText: String? = try drift.map { drift throws(StoreError) in try json(drift) }
        try write("finishing a run") { session in
            try session.query("UPDATE runs SET finished_at = \(time), summary = \(summaryText)::jsonb, drift = \(driftText)::jsonb WHERE id = \(run)")
        }
    }

    public func drift(ofRun run: Int64) throws(StoreError) -> ScoreDrift? {
        let rows = try statement("reading a run") { session in
            try session.query("SELECT drift::text FROM runs WHERE id = \(run)").map { try $0.decode(String?.self) }
        }
        guard let row = rows.first else { throw StoreError(.invalidArgument, "no run has id \(run)") }
        guard let text = row else { return nil }
        return try? JSONDecoder().decode(ScoreDrift.self, from: Data(text.utf8))
    }

    public func recentScores(categoryID: Int64, since: String, limit: Int) throws(StoreError) -> [(score: Double, background: Double?)] {
        try statement("reading recent scores") { session in
            try session.query("""
                SELECT r.score, r.background FROM run_results r JOIN runs ON runs.id = r.run_id
                WHERE runs.category_id = \(categoryID) AND runs.started_at >= \(since) AND r.score IS NOT NULL
                ORDER BY r.id DESC LIMIT \(Int64(max(0, limit)))
                """).map { row in
                let (score, background) = try row.decode((Double, Double?).self)
                return (score: score, background: background)
            }
        }
    }

    public func results(ofRun run: Int64) throws(StoreError) -> [RunResultRecord] {
        try statement("reading results") { session in
            try session.query("SELECT image_path, verdict, score, background, result FROM run_results WHERE run_id = \(run) ORDER BY id").map { row in
                let (path, verdict, score, background, details) = try row.decode((String, String, Double?, Double?, String).self)
                return RunResultRecord(imagePath: path, verdict: verdict, score: score, background: background, details: details)
            }
        }
    }

    /// Encodes a value as sorted JSON, or says it cannot.
    func json(_ value: some Encodable) throws(StoreError) -> String {
        do {
            return try Self.json(value)
        } catch {
            throw StoreError(.database, "cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }
}
