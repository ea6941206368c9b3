import Foundation
import GRDB

extension SQLiteBackend {
    public func saveCalibration(_ calibration: Calibration, categoryID: Int64) throws(StoreError) {
        let scores = String(decoding: try JSONEncoder.sorted.encodeOrThrow(calibration.scores), as: UTF8.self)
        let backgrounds = String(decoding: try JSONEncoder.sorted.encodeOrThrow(calibration.backgrounds), as: UTF8.self)
        try write { db in
            if let newer = try Int64.fetchOne(db, sql: "SELECT reference_set_version FROM calibrations WHERE category_id = ? AND reference_set_version > ?",
                                              arguments: [categoryID, calibration.referenceSetVersion]) {
                throw StoreError.newerResult("calibration", of: calibration.category, stored: newer, attempted: calibration.referenceSetVersion)
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO calibrations (category_id, reference_set_version, threshold, method, neighbours, scores, computed_at,
                                                     scoring, backgrounds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [categoryID, calibration.referenceSetVersion, calibration.threshold, calibration.method,
                                 calibration.neighbours, scores, calibration.computedAt, calibration.scoring, backgrounds])
        }
    }

    public func calibration(categoryID: Int64, categoryName: String) throws(StoreError) -> Calibration? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM calibrations WHERE category_id = ?", arguments: [categoryID]) }
        guard let row else { return nil }
        let scoresText: String = row["scores"]
        let scores = (try? JSONDecoder().decode([Double].self, from: Data(scoresText.utf8))) ?? []
        let backgroundsText: String = row["backgrounds"]
        let backgrounds = (try? JSONDecoder().decode([Double].self, from: Data(backgroundsText.utf8))) ?? []
        return Calibration(category: categoryName, referenceSetVersion: row["reference_set_version"], threshold: row["threshold"],
                           method: row["method"], neighbours: row["neighbours"], scores: scores, computedAt: row["computed_at"],
                           scoring: row["scoring"], backgrounds: backgrounds)
    }

    public func excludeFromCalibration(_ reasons: [Int64: String], at time: String) throws(StoreError) {
        try write { db in
            for (id, reason) in reasons.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT OR REPLACE INTO calibration_exclusions (reference_id, reason, excluded_at) VALUES (?, ?, ?)",
                               arguments: [id, reason, time])
            }
        }
    }

    public func readmitToCalibration(_ ids: [Int64]) throws(StoreError) -> [Int64] {
        try write { db in
            var readmitted: [Int64] = []
            for id in Set(ids).sorted() {
                try db.execute(sql: "DELETE FROM calibration_exclusions WHERE reference_id = ?", arguments: [id])
                if db.changesCount > 0 { readmitted.append(id) }
            }
            return readmitted
        }
    }

    public func calibrationExclusions(categoryID: Int64) throws(StoreError) -> [Int64: CalibrationExclusion] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.reference_id, e.reason, e.excluded_at FROM calibration_exclusions e
                JOIN reference_images r ON r.id = e.reference_id
                WHERE r.category_id = ? AND r.deleted_seq IS NULL
                """, arguments: [categoryID])
        }
        return Dictionary(uniqueKeysWithValues: rows.map {
            ($0["reference_id"], CalibrationExclusion(referenceID: $0["reference_id"], reason: $0["reason"], excludedAt: $0["excluded_at"]))
        })
    }

    // MARK: runs

    public func beginRun(categoryID: Int64, referenceSetVersion: Int64, threshold: Double?, at time: String) throws(StoreError) -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO runs (category_id, reference_set_version, threshold, started_at) VALUES (?, ?, ?, ?)",
                           arguments: [categoryID, referenceSetVersion, threshold, time])
            return db.lastInsertedRowID
        }
    }

    public func recordResults(_ results: [RunResultRecord], run: Int64) throws(StoreError) {
        try write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO run_results (run_id, image_path, verdict, score, background, result) VALUES (?, ?, ?, ?, ?, ?)")
            for result in results {
                try insert.execute(arguments: [run, result.imagePath, result.verdict, result.score, result.background, result.details])
            }
        }
    }

    public func finishRun(_ run: Int64, summary: [String: Int], drift: ScoreDrift?, at time: String) throws(StoreError) {
        let text = String(decoding: try JSONEncoder.sorted.encodeOrThrow(summary), as: UTF8.self)
        let driftText = try drift.map { drift throws(StoreError) in String(decoding: try JSONEncoder.sorted.encodeOrThrow(drift), as: UTF8.self) }
        try write { db in
            try db.execute(sql: "UPDATE runs SET finished_at = ?, summary = ?, drift = ? WHERE id = ?", arguments: [time, text, driftText, run])
        }
    }

    public func drift(ofRun run: Int64) throws(StoreError) -> ScoreDrift? {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT drift FROM runs WHERE id = ?", arguments: [run]) }
        guard let row else { throw StoreError(.invalidArgument, "no run has id \(run)") }
        guard let text: String = row["drift"] else { return nil }
        return try? JSONDecoder().decode(ScoreDrift.self, from: Data(text.utf8))
    }

    public func recentScores(categoryID: Int64, since: String, limit: Int) throws(StoreError) -> [(score: Double, background: Double?)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.score, r.background FROM run_results r JOIN runs ON runs.id = r.run_id
                WHERE runs.category_id = ? AND runs.started_at >= ? AND r.score IS NOT NULL
                ORDER BY r.id DESC LIMIT ?
                """, arguments: [categoryID, since, max(0, limit)]).map { (score: $0["score"], background: $0["background"]) }
        }
    }

    public func results(ofRun run: Int64) throws(StoreError) -> [RunResultRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_results WHERE run_id = ? ORDER BY id", arguments: [run]).map {
                RunResultRecord(imagePath: $0["image_path"], verdict: $0["verdict"], score: $0["score"], background: $0["background"],
                                details: $0["result"])
            }
        }
    }

    public func runStatus(_ run: Int64) throws(StoreError) -> RunStatus? {
        try read { db in try Row.fetchOne(db, sql: Self.runStatusSelect + " WHERE runs.id = ?", arguments: [run]).map(Self.runStatus) }
    }

    public func runs(categoryID: Int64?, limit: Int, offset: Int) throws(StoreError) -> [RunStatus] {
        try read { db in
            let filter = categoryID == nil ? "" : " WHERE runs.category_id = ?"
            let arguments: StatementArguments = categoryID.map { [$0, limit, offset] } ?? [limit, offset]
            return try Row.fetchAll(db, sql: Self.runStatusSelect + filter + " ORDER BY runs.id DESC LIMIT ? OFFSET ?", arguments: arguments)
                .map(Self.runStatus)
        }
    }

    private static let runStatusSelect = """
        SELECT runs.*, c.name AS category_name, (SELECT count(*) FROM run_results WHERE run_id = runs.id) AS recorded
        FROM runs JOIN categories c ON c.id = runs.category_id
        """

    private static func runStatus(_ row: Row) -> RunStatus {
        let summaryText: String = row["summary"]
        let summary = (try? JSONDecoder().decode([String: Int].self, from: Data(summaryText.utf8))) ?? [:]
        let recorded: Int = row["recorded"]
        return RunStatus(id: row["id"], category: row["category_name"], referenceSetVersion: row["reference_set_version"],
                         threshold: row["threshold"], startedAt: row["started_at"], finishedAt: row["finished_at"], summary: summary,
                         queued: false, state: (row["finished_at"] as String?) == nil ? RunState.running : .finished, images: recorded, recorded: recorded, inProgress: 0)
    }
}
